import { type ContactTerms, grantClaimsSchema } from '@kith/schemas';
import { describe, expect, it } from 'vitest';
import type { GrantRow } from './grant.table.ts';
import { decodeGrant, grantClaims } from './grant.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const terms = { id: 'kith-basic', version: 2, sha256: 'a'.repeat(64) };
const contact: ContactTerms = { channels: ['email'], purposes: ['service'], max_per_week: 1 };

const row = (set: Partial<GrantRow> = {}): GrantRow => ({
  id: 'grt_0123456789abcdef',
  owner_id: 'own_1',
  client_id: 'https://shop.example/kith.json',
  subject: 'sub_pairwise',
  fields: '["email","address"]',
  purpose: 'delivery',
  contact: null,
  created_at: NOW,
  expires_at: NOW + 86_400_000,
  collected_at: null,
  jkt: null,
  token_hash: null,
  receipt: null,
  revoked_at: null,
  revoked_by: null,
  origin: 'request',
  terms: null,
  terms_acceptance: null,
  version: 1,
  ...set,
});

describe('decodeGrant', () => {
  it('decodes the JSON columns of a grant row', () => {
    const grant = decodeGrant(
      row({ contact: JSON.stringify(contact), terms: JSON.stringify(terms), terms_acceptance: 'ey.j.ws' }),
    );
    expect(grant).toMatchObject({
      id: 'grt_0123456789abcdef',
      ownerId: 'own_1',
      fields: ['email', 'address'],
      purpose: 'delivery',
      contact,
      terms,
      termsAcceptance: 'ey.j.ws',
      expiresAt: NOW + 86_400_000,
    });
  });

  it('leaves contact terms and agreement out when the row has none', () => {
    const grant = decodeGrant(row());
    expect(grant.contact).toBeUndefined();
    expect(grant.terms).toBeUndefined();
  });
});

describe('grantClaims', () => {
  const token = { audience: 'https://vault.example', issuedAt: NOW / 1000, jkt: 'thumbprint' };

  it('builds claims a vendor parses with the published schema, bound to the collecting key', () => {
    const grant = decodeGrant(row({ contact: JSON.stringify(contact), terms: JSON.stringify(terms) }));
    const claims = grantClaimsSchema.parse({ iss: 'https://vault.example', ...grantClaims(grant, token) });
    expect(claims).toMatchObject({
      sub: 'sub_pairwise',
      client_id: 'https://shop.example/kith.json',
      jti: 'grt_0123456789abcdef',
      exp: (NOW + 86_400_000) / 1000,
      fields: ['email', 'address'],
      contact,
      terms,
      cnf: { jkt: 'thumbprint' },
    });
  });

  it('states no contact or terms claim for a grant without them', () => {
    const claims = grantClaims(decodeGrant(row()), token);
    expect(Object.keys(claims)).not.toContain('contact');
    expect(Object.keys(claims)).not.toContain('terms');
  });
});
