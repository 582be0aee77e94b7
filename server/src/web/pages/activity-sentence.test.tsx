import { describe, expect, it } from 'vitest';
import { type AccessAction, accessActions } from '../../audit/audit.service.ts';
import { ActivitySentence } from './activity-sentence.tsx';

/** What the page shows for one entry by Shop.example, tags stripped. */
async function said(
  action: AccessAction,
  detail: Record<string, unknown>,
  vendorName: string | null = 'Shop',
) {
  const html = await (<ActivitySentence entry={{ action, detail }} vendorName={vendorName} />).toString();
  return html.replace(/<[^>]+>/g, '');
}

/** One realistic detail per kind, as the services write them. */
const examples: Record<AccessAction, { detail: Record<string, unknown>; sentence: string }> = {
  'data.read': {
    // Stored order, not the catalogue's: the sentence follows the catalogue.
    detail: { fields: ['address', 'email'], version: 3 },
    sentence: 'Shop read your email address and postal address.',
  },
  'data.read_unchanged': {
    detail: { fields: ['email'], version: 3 },
    sentence: 'Shop checked your email address for changes; there were none, so nothing was sent.',
  },
  'grant.approved': {
    detail: { fields: ['given_name', 'email', 'phone_number'], purpose: 'delivery' },
    sentence:
      'You approved Shop reading your given name, email address and phone number to deliver your order.',
  },
  'grant.declined': {
    detail: { fields: ['birthdate'], purpose: 'marketing' },
    sentence: 'You declined Shop’s request for your date of birth.',
  },
  'grant.collected': {
    detail: { fields: ['email'] },
    sentence: 'Shop picked up your approval to read your email address.',
  },
  'grant.narrowed': {
    detail: { fields: ['email'], removed: ['birthdate', 'phone_number'], version: 2 },
    sentence:
      'You stopped sharing your phone number and date of birth with Shop, which it never read; it may still read your email address.',
  },
  'grant.revoked': {
    detail: { fields: ['address'] },
    sentence: 'You stopped Shop reading your postal address.',
  },
  'grant.relinquished': {
    detail: { fields: ['address'] },
    sentence: 'Shop gave back its access to your postal address.',
  },
  'grant.shared': {
    detail: { fields: ['sizes.shoe'], purpose: 'personalisation', durationSeconds: 30 * 86400 },
    sentence: 'You shared your shoe size with Shop for 1 month.',
  },
  'relationship.ended': {
    detail: { grantIds: ['g1'], erasureId: 'e1', erasureDays: 14 },
    sentence: 'You ended your relationship with Shop and asked it to erase your data within 14 days.',
  },
  'erasure.acknowledged': {
    detail: { erasureId: 'e1', late: true },
    sentence: 'Shop confirmed it erased your data, after the deadline.',
  },
  'contact.checked': {
    detail: { channel: 'email', purpose: 'marketing', allowed: false, reason: 'quiet_hours' },
    sentence:
      'Shop asked whether it may contact you by email about offers: no, it was during your quiet hours.',
  },
  'contact.recorded': {
    detail: { channel: 'sms', purpose: 'service', allowed: true, reason: 'allowed' },
    sentence: 'Shop contacted you by text message with a service message.',
  },
  'contact.refused': {
    detail: { channel: 'email', purpose: 'service', allowed: false, reason: 'weekly_limit_reached' },
    sentence:
      'Shop tried to contact you by email with a service message and was refused: its weekly limit was reached.',
  },
  'contact.terms_changed': {
    detail: { do_not_contact: true, channels: [], purposes: [], max_per_week: 0 },
    sentence: 'You told Shop not to contact you at all.',
  },
  'terms.changed': {
    detail: { agreement: null, vendorsTold: 1 },
    sentence: 'You changed the terms you offer Shop.',
  },
};

describe('ActivitySentence', () => {
  it('says every kind of log entry in a sentence', async () => {
    // Iterates over the log's own list: a new kind without a sentence (or an example here) fails.
    for (const action of accessActions) {
      const example = examples[action];
      expect([action, await said(action, example.detail)]).toEqual([action, example.sentence]);
    }
  });

  it('never shows a machine name', async () => {
    for (const action of accessActions) {
      const sentence = await said(action, examples[action].detail);
      expect(sentence).not.toMatch(/[a-z]+[._][a-z]+/);
    }
  });

  it('sets the vendor name apart, so its script cannot reorder the sentence', async () => {
    const html = await (
      <ActivitySentence
        entry={{ action: 'data.read', detail: { fields: ['email'] } }}
        vendorName={'\u202eevil'}
      />
    ).toString();
    expect(html).toContain('<bdi data-kith="vendor-name">\u202eevil</bdi> read your email address.');
  });

  it('reads a vault-wide terms change as concerning every vendor', async () => {
    expect(await said('terms.changed', { agreement: null, vendorsTold: 3 }, null)).toBe(
      'You changed the terms you offer every vendor.',
    );
  });

  it('says so when a read found nothing filled in, and when contact was allowed', async () => {
    expect(await said('data.read', { fields: [], version: 1 })).toBe(
      'Shop asked for your details, but none it may read are filled in.',
    );
    expect(
      await said('contact.checked', {
        channel: 'post',
        purpose: 'service',
        allowed: true,
        reason: 'allowed',
      }),
    ).toBe('Shop asked whether it may contact you by post with a service message: yes.');
  });
});
