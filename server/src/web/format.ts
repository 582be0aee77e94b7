import { createContext, useContext } from 'hono/jsx';

/**
 * The time zone every moment on a page is shown in: the owner's own, set by
 * `pageRenderer` around each page. Outside a page (or for nobody signed in) it is UTC.
 */
export const PageTimeZone = createContext('UTC');

interface ZoneFormatters {
  timeZone: string;
  moment: Intl.DateTimeFormat;
  day: Intl.DateTimeFormat;
}

const formatters = new Map<string, ZoneFormatters>();

/** The runtime's formatters for a zone, made once; a zone the runtime does not know is read as UTC. */
function formattersFor(timeZone: string): ZoneFormatters {
  const made = formatters.get(timeZone);
  if (made) return made;
  let zone: ZoneFormatters;
  try {
    zone = {
      timeZone,
      moment: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }),
      day: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone }),
    };
  } catch {
    return formattersFor('UTC');
  }
  formatters.set(timeZone, zone);
  return zone;
}

/** What people call a zone: "Tokyo time" for `Asia/Tokyo`, "UTC" for UTC. */
export function zoneLabel(timeZone: string): string {
  if (timeZone === 'UTC') return 'UTC';
  const city = timeZone.split('/').at(-1) ?? timeZone;
  return `${city.replaceAll('_', ' ')} time`;
}

/** A moment for people in the page's zone, naming it: "1 Mar 2026, 18:00 Tokyo time". */
export function formatMoment(ms: number, timeZone: string = useContext(PageTimeZone)): string {
  const zone = formattersFor(timeZone);
  return `${zone.moment.format(ms)} ${zoneLabel(zone.timeZone)}`;
}

/** A date for people in the page's zone, without the time: "1 Mar 2026". */
export function formatDay(ms: number, timeZone: string = useContext(PageTimeZone)): string {
  return formattersFor(timeZone).day.format(ms);
}
