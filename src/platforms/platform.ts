import type { Notifier } from '../core/delivery.js';

/** A running chat platform: commands in, alerts out. Built by the composition root. */
export interface ChatPlatform {
  readonly name: 'telegram' | 'discord';
  readonly notifier: Notifier;
  start(): Promise<void>;
  stop(): Promise<void>;
}
