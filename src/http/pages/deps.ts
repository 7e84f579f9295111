import type { HistoryStore } from '../../core/ports.js';
import type { StageOccurrence } from '../../core/tenders/types.js';
import type { Clock, Incident } from '../../core/types.js';
import type { TimeText } from './html.js';

/** What the pages read beside the HTTP context. */
export interface PageDeps {
  history: HistoryStore;
  clock: Clock;
  timeText: TimeText;
  /** Public address of the status page (absolute links in the feed), when configured. */
  publicUrl: string | null;
  /** The tender stages an incident hit (absent when tender data is not collected). */
  affected?: ((incident: Incident) => Promise<StageOccurrence[]>) | undefined;
}
