import type { EffectiveContactTerms } from '@kith/schemas';
import { describe, expect, it } from 'vitest';
import type { ContactTermsRow } from '../contact-rules/contact.table.ts';
import { effectiveTerms, type OwnerContactDefaults } from '../contact-rules/owner-contact-rules.ts';
import { CONTACT_WINDOW_MS, decideContact } from './contact.service.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const HOUR = 3600_000;

const open: EffectiveContactTerms = {
  doNotContact: false,
  channels: ['email', 'sms'],
  purposes: ['service', 'marketing'],
  maxPerWeek: 3,
  quietHours: [],
  timeZone: 'UTC',
};
const noDefaults: OwnerContactDefaults = {
  channels: null,
  noMarketing: false,
  maxPerWeek: null,
  quietHours: null,
  timeZone: 'UTC',
};
const override = (set: Partial<ContactTermsRow>): ContactTermsRow => ({
  owner_id: 'own_1',
  client_id: 'https://shop.example/kith.json',
  channels: null,
  allow_marketing: null,
  max_per_week: null,
  quiet_start: null,
  quiet_end: null,
  do_not_contact: 0,
  updated_at: NOW,
  ...set,
});

describe('decideContact', () => {
  const email = { channel: 'email', purpose: 'service' } as const;

  it('gives the first refusal that applies, in order', () => {
    const cases: [
      Partial<EffectiveContactTerms>,
      typeof email | { channel: 'post'; purpose: 'marketing' },
      string,
    ][] = [
      [{ doNotContact: true, channels: [] }, email, 'do_not_contact'],
      [{ channels: ['sms'] }, email, 'channel_not_allowed'],
      [{ purposes: ['service'] }, { channel: 'post', purpose: 'marketing' }, 'channel_not_allowed'],
      [
        { channels: ['post'], purposes: ['service'] },
        { channel: 'post', purpose: 'marketing' },
        'marketing_refused',
      ],
      [{ purposes: ['marketing'] }, email, 'purpose_not_allowed'],
      [{ maxPerWeek: 0 }, email, 'weekly_limit_reached'],
      [{ quietHours: [{ start: '11:00', end: '13:00' }] }, email, 'quiet_hours'],
      [{}, email, 'allowed'],
    ];
    for (const [terms, request, reason] of cases) {
      expect(decideContact({ ...open, ...terms }, request, [], NOW).reason, JSON.stringify(terms)).toBe(
        reason,
      );
    }
  });

  it('frees the budget when the oldest contact of the window leaves the rolling seven days', () => {
    const contacts = [NOW - 6 * 24 * HOUR, NOW - 2 * HOUR, NOW - HOUR];
    expect(decideContact(open, email, contacts, NOW)).toEqual({
      allowed: false,
      reason: 'weekly_limit_reached',
      nextAllowedAt: (contacts[0] as number) + CONTACT_WINDOW_MS,
      remainingThisWeek: 0,
    });
    expect(decideContact(open, email, contacts.slice(1), NOW)).toMatchObject({
      allowed: true,
      remainingThisWeek: 1,
    });
  });

  it('pushes a freed budget that falls in quiet hours to their end', () => {
    // The slot frees at 2026-03-16T23:00Z, inside 22:00–07:00 UTC.
    const contacts = [Date.parse('2026-03-09T23:00:00Z')];
    const terms = { ...open, maxPerWeek: 1, quietHours: [{ start: '22:00', end: '07:00' }] };
    expect(decideContact(terms, email, contacts, NOW).nextAllowedAt).toBe(Date.parse('2026-03-17T07:00:00Z'));
  });

  it('never answers a time when waiting will not help', () => {
    const hopeless: Partial<EffectiveContactTerms>[] = [
      { doNotContact: true },
      { channels: [] },
      { purposes: [] },
      { maxPerWeek: 0 },
    ];
    for (const terms of hopeless) {
      expect(decideContact({ ...open, ...terms }, email, [], NOW).nextAllowedAt).toBeNull();
    }
  });
});

describe('effectiveTerms', () => {
  const ask = {
    channels: ['email', 'phone', 'sms'],
    purposes: ['service', 'marketing'],
    max_per_week: 5,
  } as const;

  it('narrows the ask by the owner’s defaults and this vendor’s terms; each layer only tightens', () => {
    const terms = effectiveTerms(
      { ...ask, channels: [...ask.channels], purposes: [...ask.purposes] },
      {
        ...noDefaults,
        channels: ['email', 'sms', 'post'],
        maxPerWeek: 4,
        quietHours: { start: '22:00', end: '07:00' },
      },
      override({
        channels: '["sms","post","push"]',
        max_per_week: 9,
        quiet_start: '12:00',
        quiet_end: '13:00',
      }),
    );
    expect(terms).toEqual({
      doNotContact: false,
      channels: ['sms'],
      purposes: ['service', 'marketing'],
      maxPerWeek: 4,
      quietHours: [
        { start: '22:00', end: '07:00' },
        { start: '12:00', end: '13:00' },
      ],
      timeZone: 'UTC',
    });
  });

  it('drops marketing when the owner said no marketing, anywhere', () => {
    const asked = { ...ask, channels: [...ask.channels], purposes: [...ask.purposes] };
    expect(effectiveTerms(asked, { ...noDefaults, noMarketing: true }, undefined).purposes).toEqual([
      'service',
    ]);
    expect(effectiveTerms(asked, noDefaults, override({ allow_marketing: 0 })).purposes).toEqual(['service']);
    // Allowing it for one vendor does not override the owner's "no marketing" everywhere.
    expect(
      effectiveTerms(asked, { ...noDefaults, noMarketing: true }, override({ allow_marketing: 1 })).purposes,
    ).toEqual(['service']);
  });
});
