import { MAX_GRANT_SECONDS } from '@kith/schemas';
import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads seconds and s/m/h/d/w strings', () => {
    for (const [input, seconds] of [
      [60, 60],
      [3600, 3600],
      ['90m', 5400],
      ['12h', 43_200],
      ['30d', 2_592_000],
      ['2w', 1_209_600],
      ['1h30m', 5400],
      ['1d12h', 129_600],
      [' 60s ', 60],
      [MAX_GRANT_SECONDS, MAX_GRANT_SECONDS],
    ] as const) {
      expect(parseDuration(input)).toBe(seconds);
    }
  });

  it('refuses anything else with INVALID_ARGUMENT', () => {
    for (const bad of [
      0,
      -1,
      59,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      MAX_GRANT_SECONDS + 1,
      '',
      '30',
      '30 days',
      '1y',
      'd',
      '-5m',
      '59s',
      '1.5h',
      '800d',
      null,
      true,
      [],
      {},
    ]) {
      expect(() => parseDuration(bad as never), String(bad)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });
});
