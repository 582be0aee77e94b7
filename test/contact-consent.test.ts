import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

describeEachDatabase('contact is consented to separately when approving (SDK over HTTP)', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url, name: 'Corner Shop' });
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
  });

  /** A new owner whose profile caps contact at `cap` a week, and a pending request asking email and sms, 3 a week. */
  async function ownerAndRequest(cap?: number) {
    const owner = await vault.signedInOwner();
    if (cap !== undefined) {
      const patched = await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { 'contact.max_per_week': cap },
      });
      expect(patched.status).toBe(200);
    }
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'customer_care',
      duration: '30d',
      contact: { channels: ['email', 'sms'], purposes: ['service'], maxPerWeek: 3 },
    });
    const approve = (json: unknown) =>
      requestJson<{ code?: string; errors?: { path: string }[] }>(
        vault.app,
        `/v1/me/grant-requests/${request.id}/approve`,
        { method: 'POST', cookie: owner.cookie, json },
      );
    return { owner, request, approve };
  }

  const grantContact = async (grantId: string) => {
    const row = await vault.vault.db
      .selectFrom('grants')
      .select('contact')
      .where('id', '=', grantId)
      .executeTakeFirstOrThrow();
    return row.contact === null ? null : (JSON.parse(row.contact) as unknown);
  };

  it('approves the details without contact when contact is false: every check is refused', async () => {
    const { request, approve } = await ownerAndRequest();
    expect((await approve({ optionalFields: [], contact: false })).status).toBe(200);
    const { grant, grantId, fields } = await shop.client.collectGrant({ requestId: request.id });
    expect(fields).toEqual(['email']);
    expect(await grantContact(grantId)).toBeNull();
    for (const channel of ['email', 'sms'] as const) {
      const answer = await shop.client.canContact(grant, { channel, purpose: 'service' });
      expect(answer).toMatchObject({ allowed: false, reason: 'channel_not_allowed' });
    }
  });

  it('allows contact when contact is true, at the lower of the ask and the owner’s own weekly limit', async () => {
    const { request, approve } = await ownerAndRequest(2);
    expect((await approve({ optionalFields: [], contact: true })).status).toBe(200);
    const { grant, grantId } = await shop.client.collectGrant({ requestId: request.id });
    expect(await grantContact(grantId)).toEqual({
      channels: ['email', 'sms'],
      purposes: ['service'],
      max_per_week: 2,
    });
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await shop.client.recordContact(grant, { channel: 'sms', purpose: 'service' }));
    }
    expect(answers.map((a) => a.recorded)).toEqual([true, true, false]);
    expect(answers[2]?.reason).toBe('weekly_limit_reached');
  });

  it('keeps the vendor’s ask when the owner sets no lower limit', async () => {
    const { request, approve } = await ownerAndRequest();
    expect((await approve({ optionalFields: [], contact: true })).status).toBe(200);
    const { grantId } = await shop.client.collectGrant({ requestId: request.id });
    expect(await grantContact(grantId)).toMatchObject({ max_per_week: 3 });
  });

  it('refuses an approval that does not say whether contact is allowed, and writes nothing', async () => {
    const { owner, request, approve } = await ownerAndRequest();
    for (const json of [
      { optionalFields: [] },
      { optionalFields: [], contact: 'yes' },
      { optionalFields: [], contact: null },
    ]) {
      const res = await approve(json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors?.map((e) => e.path)).toEqual(['/contact']);
    }
    const row = await vault.vault.db
      .selectFrom('grant_requests')
      .select(['status', 'grant_id'])
      .where('id', '=', request.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', grant_id: null });
    const grants = await vault.vault.db
      .selectFrom('grants')
      .select('id')
      .where('owner_id', '=', owner.owner.id)
      .execute();
    expect(grants).toEqual([]);
    // Saying it, either way, is an answer.
    expect((await approve({ optionalFields: [], contact: false })).status).toBe(200);
  });
});
