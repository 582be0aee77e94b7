import { describe, expect, it } from 'vitest';
import { formatDay, formatMoment, PageTimeZone, zoneLabel } from './format.ts';

// 1 March 2026, 23:30 UTC: already 2 March in Tokyo, still 1 March in New York.
const lateEvening = Date.UTC(2026, 2, 1, 23, 30);

/** What a page shows for `lateEvening` when rendered in `timeZone`. */
function Probe() {
  return (
    <p>
      {formatMoment(lateEvening)} | {formatDay(lateEvening)}
    </p>
  );
}

async function renderedIn(timeZone: string): Promise<string> {
  const html = await (
    <PageTimeZone.Provider value={timeZone}>
      <Probe />
    </PageTimeZone.Provider>
  ).toString();
  return html.replace(/<\/?p>/g, '');
}

describe('formatMoment and formatDay', () => {
  it('show a moment in the zone the page is rendered in, naming the zone', async () => {
    expect(await renderedIn('Asia/Tokyo')).toBe('2 Mar 2026, 08:30 Tokyo time | 2 Mar 2026');
    expect(await renderedIn('America/New_York')).toBe('1 Mar 2026, 18:30 New York time | 1 Mar 2026');
  });

  it('fall back to UTC, saying so, for a zone the runtime does not know', async () => {
    for (const zone of ['', 'Mars/Olympus_Mons', 'asia/tokyo ', 'UTC']) {
      expect(await renderedIn(zone)).toBe('1 Mar 2026, 23:30 UTC | 1 Mar 2026');
    }
  });

  it('use UTC outside any page', () => {
    expect(formatMoment(lateEvening)).toBe('1 Mar 2026, 23:30 UTC');
    expect(formatDay(lateEvening)).toBe('1 Mar 2026');
  });

  it('take an explicit zone over the page one', () => {
    expect(formatMoment(lateEvening, 'Europe/London')).toBe('1 Mar 2026, 23:30 London time');
    expect(formatDay(lateEvening, 'Asia/Tokyo')).toBe('2 Mar 2026');
  });
});

describe('zoneLabel', () => {
  it('names a zone by its city', () => {
    expect(zoneLabel('Asia/Tokyo')).toBe('Tokyo time');
    expect(zoneLabel('America/Argentina/Buenos_Aires')).toBe('Buenos Aires time');
    expect(zoneLabel('UTC')).toBe('UTC');
  });
});
