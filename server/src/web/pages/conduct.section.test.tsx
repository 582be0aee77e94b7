import { type ConductRecord, conductRecordSchema } from '@kith/schemas';
import { describe, expect, it } from 'vitest';
import { PageTimeZone } from '../format.ts';
import { ConductSection } from './conduct.section.tsx';

const none = {
  do_not_contact: 0,
  channel_not_allowed: 0,
  purpose_not_allowed: 0,
  marketing_refused: 0,
  weekly_limit_reached: 0,
  quiet_hours: 0,
};

// Two weeks counted back from 15 March 2026, 20:00 UTC: each starts at 20:00 UTC, already the next day in Tokyo.
const record: ConductRecord = conductRecordSchema.parse({
  clientId: 'https://shop.example',
  window: { days: 90, from: '2025-12-15T20:00:00.000Z', to: '2026-03-15T20:00:00.000Z' },
  grants: { approved: 1, declined: 0, shared: 0, revokedByOwner: 0, relinquishedByVendor: 0, live: 1 },
  terms: { accepted: 0, agreements: [] },
  fields: { granted: ['email'], read: ['email'], unread: [] },
  reads: {
    total: 3,
    perWeek: [
      { weekStart: '2026-03-01T20:00:00.000Z', reads: 1 },
      { weekStart: '2026-03-08T20:00:00.000Z', reads: 2 },
    ],
  },
  contactChecks: { allowed: 0, refused: 0, refusedBy: none },
  contacts: { recorded: 0, outsideTerms: 0, refusedBy: none },
  erasures: { onTime: 0, late: 0, overdue: 0, pending: 0 },
  webhooks: { delivered: 0, pending: 0, failed: 0 },
});

/** The reads chart's label on a vendor page rendered in `timeZone`. */
async function chartLabel(timeZone: string): Promise<string | undefined> {
  const html = await (
    <PageTimeZone.Provider value={timeZone}>
      <ConductSection csrfToken="t" vendorName="Shop" vendorKey="k" record={record} wouldRevoke={0} />
    </PageTimeZone.Provider>
  ).toString();
  return /aria-label="([^"]+)"/.exec(html)?.[1];
}

describe('the conduct section', () => {
  it("dates the weeks of its reads chart in the owner's zone, like every other time on the page", async () => {
    expect(await chartLabel('Asia/Tokyo')).toBe(
      'Reads per week, oldest first: week from 2 Mar 2026: 1; week from 9 Mar 2026: 2.',
    );
    expect(await chartLabel('UTC')).toBe(
      'Reads per week, oldest first: week from 1 Mar 2026: 1; week from 8 Mar 2026: 2.',
    );
  });
});
