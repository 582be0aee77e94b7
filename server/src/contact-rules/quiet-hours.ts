/** A daily window, `HH:MM` to `HH:MM` on the owner's wall clock; `start` after `end` wraps midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

/** Where an instant stands against a quiet-hours window. */
export type QuietHoursState = { quiet: false } | { quiet: true; endsAt: number };

const DAY_MS = 24 * 60 * 60 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Tells whether `at` falls in the owner's quiet hours and, if so, when they
 * end. Each local day D has one window: from the first instant D's wall clock
 * shows `start` (or later) to the first instant it shows `end` (on D, or on
 * D+1 when the window wraps midnight). So 22:00–07:00 means local 22:00 to
 * local 07:00 on both sides of a daylight-saving change, a night that lost or
 * gained an hour is an hour shorter or longer, and a window edge that falls
 * in the skipped hour starts or ends when the clock jumps past it.
 *
 * @example
 * // 2026-03-29 00:30 UTC is 00:30 GMT in London, inside 22:00–07:00; it ends at 07:00 BST = 06:00 UTC.
 * quietHoursAt(Date.UTC(2026, 2, 29, 0, 30), { start: '22:00', end: '07:00' }, 'Europe/London')
 * // { quiet: true, endsAt: Date.UTC(2026, 2, 29, 6, 0) }
 */
export function quietHoursAt(at: number, hours: QuietHours, timeZone: string): QuietHoursState {
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  const today = wallClock(at, timeZone);
  // Only the windows that start yesterday or today can hold `at`.
  for (const offset of [-1, 0]) {
    const day = Date.UTC(today.year, today.month - 1, today.day + offset);
    const from = firstInstantAtOrAfter(day + start * 60_000, timeZone);
    const until = firstInstantAtOrAfter(day + (end > start ? 0 : DAY_MS) + end * 60_000, timeZone);
    if (at >= from && at < until) return { quiet: true, endsAt: until };
  }
  return { quiet: false };
}

/**
 * The first instant at or after `at` outside every window: windows may chain
 * (the owner's own and a stricter one for this vendor).
 *
 * @example
 * nextOutsideQuietHours(now, [{ start: '22:00', end: '07:00' }], 'Europe/London')
 */
export function nextOutsideQuietHours(at: number, windows: readonly QuietHours[], timeZone: string): number {
  let next = at;
  // Each pass moves past one window; more passes than windows would mean they cover the whole day.
  for (let pass = 0; pass <= windows.length * 2; pass++) {
    const inside = windows.map((window) => quietHoursAt(next, window, timeZone)).find((state) => state.quiet);
    if (!inside) return next;
    next = inside.endsAt;
  }
  return next;
}

/** Tells whether the runtime knows `timeZone`; anything else is read as UTC. */
export function usableTimeZone(timeZone: string | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    formatter(timeZone);
    return timeZone;
  } catch {
    return 'UTC';
  }
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall clock in `timeZone` at an instant. */
function wallClock(at: number, timeZone: string): { year: number; month: number; day: number; ms: number } {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) + (((at % 1000) + 1000) % 1000);
  return { year, month, day, ms };
}

/** The wall-clock time at an instant, written as if it were UTC: comparable with `Date.UTC(...)`. */
function wallMs(at: number, timeZone: string): number {
  return wallClock(at, timeZone).ms;
}

/**
 * The first instant whose wall clock in `timeZone` reads `wall` (given as if
 * UTC) or later. A time that happens twice (clocks go back) is its first
 * occurrence; a time that never happens (clocks go forward) is the jump.
 */
function firstInstantAtOrAfter(wall: number, timeZone: string): number {
  const offsetAt = (at: number) => wallMs(at, timeZone) - at;
  // The offsets a day either side bracket any one transition (no zone has two in a day).
  const candidates = [wall - offsetAt(wall - DAY_MS), wall - offsetAt(wall + DAY_MS)].sort((a, b) => a - b);
  for (const candidate of candidates) {
    if (wallMs(candidate, timeZone) === wall) return candidate;
  }
  // In the skipped hour: find the jump, the first instant whose wall clock is past `wall`.
  let lo = candidates[0] as number;
  let hi = candidates[1] as number;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallMs(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
