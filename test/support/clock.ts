/** The clock shape the server takes: `now()` returns the current time. */
export interface Clock {
  now(): Date;
}

export interface FixedClock extends Clock {
  /** Moves the clock forward (or back, with a negative value) by `ms` milliseconds. */
  advance(ms: number): void;
  /** Sets the clock to `to`. */
  set(to: Date | string | number): void;
}

/** A clock that stands still at `start` until moved; `now()` returns a fresh Date each call. */
export function fixedClock(start: Date | string | number = '2026-01-01T00:00:00.000Z'): FixedClock {
  let current = new Date(start).getTime();
  if (Number.isNaN(current)) throw new TypeError(`fixedClock: invalid start time ${String(start)}`);
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
    },
    set(to) {
      const next = new Date(to).getTime();
      if (Number.isNaN(next)) throw new TypeError(`fixedClock.set: invalid time ${String(to)}`);
      current = next;
    },
  };
}
