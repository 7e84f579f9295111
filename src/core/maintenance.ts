import { parseLocalTime } from './time.js';
import { WEEKDAYS, type AdHocMaintenance, type MaintenanceWindow, type Weekday } from './types.js';

export interface ActiveMaintenance {
  reason: string;
  until: string | null;
}

function localClock(now: number, zone: string): { weekday: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(now));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { weekday: get('weekday').slice(0, 3).toLowerCase(), minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Is `portalId` inside a maintenance window at `now`? Config windows are one-off (start/end, local
 * time) or weekly (days, from/to, local time; `to` before `from` runs past midnight).
 */
export function activeMaintenance(
  portalId: string,
  now: number,
  windows: MaintenanceWindow[],
  adHoc: AdHocMaintenance[],
  defaultZone: string,
): ActiveMaintenance | null {
  for (const entry of adHoc) {
    if (entry.portalId === portalId && Date.parse(entry.until) > now) return { reason: entry.reason, until: entry.until };
  }
  for (const window of windows) {
    if (window.portals !== 'all' && !window.portals.includes(portalId)) continue;
    const zone = window.timezone ?? defaultZone;
    if (window.start && window.end) {
      const start = parseLocalTime(window.start, zone);
      const end = parseLocalTime(window.end, zone);
      if (now >= start && now < end) return { reason: window.reason, until: new Date(end).toISOString() };
    }
    if (window.weekly) {
      const { weekday, minutes } = localClock(now, zone);
      const from = toMinutes(window.weekly.from);
      const to = toMinutes(window.weekly.to);
      const days: readonly string[] = window.weekly.days;
      const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(weekday as Weekday) + 6) % 7]!;
      const inside =
        from < to
          ? days.includes(weekday) && minutes >= from && minutes < to
          : (days.includes(weekday) && minutes >= from) || (days.includes(yesterday) && minutes < to);
      if (inside) return { reason: window.reason, until: null };
    }
  }
  return null;
}
