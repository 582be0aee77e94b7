import { MAX_GRANT_SECONDS } from '@kith/schemas';
import { clientError } from './errors.ts';

/** A grant duration: whole seconds, or a string such as `'30d'`, `'12h'`, `'90m'`, `'2w'` or `'1d12h'`. */
export type Duration = number | string;

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Turns a {@link Duration} into whole seconds and checks it is one a vault
 * accepts: at least a minute, at most two years.
 *
 * @example
 * parseDuration('30d')   // 2592000
 * parseDuration('1h30m') // 5400
 * parseDuration(3600)    // 3600
 */
export function parseDuration(duration: Duration): number {
  let seconds: number;
  if (typeof duration === 'number') {
    seconds = duration;
  } else if (typeof duration === 'string' && /^(\d+[smhdw])+$/.test(duration.trim())) {
    seconds = 0;
    for (const [, amount, unit] of duration.trim().matchAll(/(\d+)([smhdw])/g)) {
      seconds += Number(amount) * (unitSeconds[unit as string] as number);
    }
  } else {
    throw clientError('INVALID_ARGUMENT', {
      detail: `duration ${JSON.stringify(duration)} is neither seconds nor like '30d', '12h', '90m'.`,
    });
  }
  if (!Number.isSafeInteger(seconds) || seconds < 60 || seconds > MAX_GRANT_SECONDS) {
    throw clientError('INVALID_ARGUMENT', {
      detail: `duration must be a whole number of seconds from 60 to ${MAX_GRANT_SECONDS}; got ${JSON.stringify(duration)}.`,
    });
  }
  return seconds;
}
