import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendChainedEntries } from './support/access-log-seed.ts';
import { describeEachDatabase } from './support/databases.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

const ENTRIES = 1_000_000;
/** The most log rows the verifier may read while a page waits: its inline limit and the checkpoint's entry. */
const REQUEST_PATH_ROWS = 1_000 + 1;

// A vendor can add a million entries to an owner's log in about an hour. What keeps /activity fast
// whatever the log's length is structural, and asserted here: the page's request lists a bounded
// page of entries and verifies at most REQUEST_PATH_ROWS of the chain; the rest is checked in the
// background, a step at a time. (No timing assertions: this machine is shared and noisy.)
describeEachDatabase('a million-entry access log', (database) => {
  let tv: TestVault;
  let cookie: string;
  let ownerId: string;
  beforeAll(async () => {
    tv = await openTestVault(database());
    const signedIn = await tv.signedInOwner();
    cookie = signedIn.cookie;
    ownerId = signedIn.owner.id;
    await appendChainedEntries(tv.vault.db, database().kind, ownerId, ENTRIES, {
      startAt: tv.clock.now() - ENTRIES,
    });
  }, 120_000);
  afterAll(() => tv?.close());

  const verifier = () => tv.vault.accessLogVerifier;
  async function activity() {
    const before = verifier().stats.onRequest;
    const res = await tv.app.request('/activity', { headers: { cookie } });
    const html = await res.text();
    return { status: res.status, html, rowsVerified: verifier().stats.onRequest - before };
  }

  it('answers /activity at once, verifying a bounded part of the chain, while the rest is checked in the background', async () => {
    for (let i = 0; i < 5; i++) {
      const page = await activity();
      expect(page.status).toBe(200);
      expect(page.html).toContain('Checking your log');
      expect(page.html).toContain(`of ${ENTRIES} entries checked so far`);
      // The newest entries are listed (a page of them), whatever the log's length.
      expect(page.html.match(/<tr>/g)?.length).toBe(200 + 1);
      expect(
        page.rowsVerified,
        `request ${i + 1} verified ${page.rowsVerified} rows itself`,
      ).toBeLessThanOrEqual(REQUEST_PATH_ROWS);
    }
  });

  it('makes progress in the background and saves it, so another view or process goes on from there', {
    timeout: 90_000,
  }, async () => {
    // A bounded wait for the background check to pass its first saved checkpoint (50,000 entries).
    const deadline = Date.now() + 60_000;
    let saved = 0;
    while (saved < 50_000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const row = await tv.vault.db
        .selectFrom('access_log_checkpoints')
        .select(['seq', 'broken_at'])
        .where('owner_id', '=', ownerId)
        .executeTakeFirst();
      expect(row?.broken_at ?? null).toBeNull();
      saved = row?.seq ?? 0;
    }
    expect(saved).toBeGreaterThanOrEqual(50_000);
    expect(verifier().stats.inBackground).toBeGreaterThanOrEqual(saved);
    const page = await activity();
    expect(page.html).toContain('Checking your log');
    expect(page.rowsVerified).toBeLessThanOrEqual(REQUEST_PATH_ROWS);
  });
});
