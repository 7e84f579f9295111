import type { AppServices } from '../app.js';
import type { Config } from '../config.js';
import type { ChatPlatform } from './platform.js';

/** The chat platforms whose tokens are set; none is fine (monitor-only with the status page). */
export function createPlatforms(_config: Config): Array<(services: AppServices) => ChatPlatform> {
  return [];
}
