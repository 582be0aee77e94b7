import { describe, expect, it } from 'vitest';
import { nextOutsideQuietHours, quietHoursAt, usableTimeZone } from './quiet-hours.ts';

const at = (iso: string) => Date.parse(iso);

describe('quietHoursAt', () => {
  // [zone, window, instant (UTC), quiet until (UTC) or null when not quiet]
  const cases: [string, string, string, string | null][] = [
    // UTC, wrapping midnight.
    ['UTC', '22:00-07:00', '2026-06-01T21:59:59.999Z', null],
    ['UTC', '22:00-07:00', '2026-06-01T22:00:00.000Z', '2026-06-02T07:00:00.000Z'],
    ['UTC', '22:00-07:00', '2026-06-02T03:00:00.000Z', '2026-06-02T07:00:00.000Z'],
    ['UTC', '22:00-07:00', '2026-06-02T07:00:00.000Z', null],
    // UTC, within one day.
    ['UTC', '12:00-14:00', '2026-06-01T11:59:00.000Z', null],
    ['UTC', '12:00-14:00', '2026-06-01T12:30:00.000Z', '2026-06-01T14:00:00.000Z'],
    ['UTC', '12:00-14:00', '2026-06-01T14:00:00.000Z', null],
    // London, the night the clocks go forward (2026-03-29 01:00 GMT → 02:00 BST): still local 22:00–07:00.
    ['Europe/London', '22:00-07:00', '2026-03-28T21:59:00.000Z', null],
    ['Europe/London', '22:00-07:00', '2026-03-28T22:00:00.000Z', '2026-03-29T06:00:00.000Z'],
    ['Europe/London', '22:00-07:00', '2026-03-29T00:59:00.000Z', '2026-03-29T06:00:00.000Z'],
    ['Europe/London', '22:00-07:00', '2026-03-29T01:00:00.000Z', '2026-03-29T06:00:00.000Z'],
    ['Europe/London', '22:00-07:00', '2026-03-29T05:59:59.999Z', '2026-03-29T06:00:00.000Z'],
    ['Europe/London', '22:00-07:00', '2026-03-29T06:00:00.000Z', null],
    ['Europe/London', '22:00-07:00', '2026-03-29T20:59:00.000Z', null],
    ['Europe/London', '22:00-07:00', '2026-03-29T21:00:00.000Z', '2026-03-30T06:00:00.000Z'],
    // London, the night the clocks go back (2026-10-25 02:00 BST → 01:00 GMT).
    ['Europe/London', '22:00-07:00', '2026-10-24T20:59:00.000Z', null],
    ['Europe/London', '22:00-07:00', '2026-10-24T21:00:00.000Z', '2026-10-25T07:00:00.000Z'],
    ['Europe/London', '22:00-07:00', '2026-10-25T00:30:00.000Z', '2026-10-25T07:00:00.000Z'],
    ['Europe/London', '22:00-07:00', '2026-10-25T01:30:00.000Z', '2026-10-25T07:00:00.000Z'],
    ['Europe/London', '22:00-07:00', '2026-10-25T06:59:00.000Z', '2026-10-25T07:00:00.000Z'],
    ['Europe/London', '22:00-07:00', '2026-10-25T07:00:00.000Z', null],
    ['Europe/London', '22:00-07:00', '2026-10-25T21:59:00.000Z', null],
    ['Europe/London', '22:00-07:00', '2026-10-25T22:00:00.000Z', '2026-10-26T07:00:00.000Z'],
    // An edge in the skipped hour (01:00–02:00 on 2026-03-29 never happens in London): it moves to the jump.
    ['Europe/London', '22:00-01:30', '2026-03-29T00:45:00.000Z', '2026-03-29T01:00:00.000Z'],
    ['Europe/London', '22:00-01:30', '2026-03-29T01:00:00.000Z', null],
    ['Europe/London', '01:30-06:00', '2026-03-29T00:59:00.000Z', null],
    ['Europe/London', '01:30-06:00', '2026-03-29T01:00:00.000Z', '2026-03-29T05:00:00.000Z'],
    // An edge in the repeated hour (01:00–02:00 on 2026-10-25 happens twice): its first occurrence.
    ['Europe/London', '22:00-01:30', '2026-10-25T00:29:00.000Z', '2026-10-25T00:30:00.000Z'],
    ['Europe/London', '22:00-01:30', '2026-10-25T00:30:00.000Z', null],
    // New York goes forward on 2026-03-08 at 02:00 EST → 03:00 EDT, back on 2026-11-01.
    ['America/New_York', '21:00-08:00', '2026-03-08T01:59:00.000Z', null],
    ['America/New_York', '21:00-08:00', '2026-03-08T02:00:00.000Z', '2026-03-08T12:00:00.000Z'],
    ['America/New_York', '21:00-08:00', '2026-03-08T11:59:00.000Z', '2026-03-08T12:00:00.000Z'],
    ['America/New_York', '21:00-08:00', '2026-11-01T01:00:00.000Z', '2026-11-01T13:00:00.000Z'],
    ['America/New_York', '21:00-08:00', '2026-11-01T13:00:00.000Z', null],
    // Southern hemisphere: Sydney goes back on 2026-04-05 (03:00 AEDT → 02:00 AEST), forward on 2026-10-04.
    ['Australia/Sydney', '22:00-07:00', '2026-04-04T10:59:00.000Z', null],
    ['Australia/Sydney', '22:00-07:00', '2026-04-04T11:00:00.000Z', '2026-04-04T21:00:00.000Z'],
    ['Australia/Sydney', '22:00-07:00', '2026-10-03T12:00:00.000Z', '2026-10-03T20:00:00.000Z'],
    // Half-hour and quarter-hour offsets, no daylight saving.
    ['Asia/Kolkata', '22:00-07:00', '2026-06-01T16:29:00.000Z', null],
    ['Asia/Kolkata', '22:00-07:00', '2026-06-01T16:30:00.000Z', '2026-06-02T01:30:00.000Z'],
    ['Asia/Kathmandu', '22:00-07:00', '2026-06-01T16:15:00.000Z', '2026-06-02T01:15:00.000Z'],
    // Far from UTC, across the date line.
    ['Pacific/Kiritimati', '22:00-07:00', '2026-06-01T08:00:00.000Z', '2026-06-01T17:00:00.000Z'],
    ['Pacific/Pago_Pago', '22:00-07:00', '2026-06-02T09:00:00.000Z', '2026-06-02T18:00:00.000Z'],
    // A day window across month and year ends.
    ['Europe/Berlin', '22:00-07:00', '2026-12-31T23:30:00.000Z', '2027-01-01T06:00:00.000Z'],
    ['Europe/Berlin', '23:30-00:30', '2026-02-28T23:00:00.000Z', '2026-02-28T23:30:00.000Z'],
  ];

  for (const [zone, window, instant, until] of cases) {
    const [start = '', end = ''] = window.split('-');
    it(`${zone} ${window} at ${instant}: ${until ? `quiet until ${until}` : 'not quiet'}`, () => {
      const state = quietHoursAt(at(instant), { start, end }, zone);
      expect(state).toEqual(until ? { quiet: true, endsAt: at(until) } : { quiet: false });
    });
  }

  it('agrees with the local wall clock at every quarter hour through both London changes', () => {
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    for (const startDay of ['2026-03-27T00:00:00Z', '2026-10-23T00:00:00Z']) {
      for (let t = at(startDay); t < at(startDay) + 4 * 24 * 3600_000; t += 15 * 60_000) {
        const wall = local.format(t);
        const quiet = wall >= '22:00' || wall < '07:00';
        expect(quietHoursAt(t, { start: '22:00', end: '07:00' }, 'Europe/London').quiet, wall).toBe(quiet);
      }
    }
  });
});

describe('nextOutsideQuietHours', () => {
  it('moves past windows that chain, and stays put outside them', () => {
    const windows = [
      { start: '22:00', end: '07:00' },
      { start: '06:00', end: '09:00' },
    ];
    expect(nextOutsideQuietHours(at('2026-03-29T00:45:00Z'), windows, 'Europe/London')).toBe(
      at('2026-03-29T08:00:00Z'),
    );
    expect(nextOutsideQuietHours(at('2026-03-29T12:00:00Z'), windows, 'Europe/London')).toBe(
      at('2026-03-29T12:00:00Z'),
    );
    expect(nextOutsideQuietHours(at('2026-03-29T12:00:00Z'), [], 'Europe/London')).toBe(
      at('2026-03-29T12:00:00Z'),
    );
  });
});

describe('usableTimeZone', () => {
  it('reads a missing or unknown zone as UTC', () => {
    for (const zone of [undefined, '', 'Mars/Olympus_Mons', 'not a zone']) {
      expect(usableTimeZone(zone)).toBe('UTC');
    }
    expect(usableTimeZone('Europe/London')).toBe('Europe/London');
  });
});
