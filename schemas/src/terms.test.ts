import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { purposeIds } from './purposes.ts';
import {
  agreementHashes,
  agreementRef,
  agreementRefSchema,
  agreements,
  canonicalAgreementJson,
  findAgreement,
} from './terms.ts';

describe('standard agreements', () => {
  it('pins each agreement by the SHA-256 of its canonical JSON', () => {
    expect(Object.keys(agreementHashes).sort()).toEqual(agreements.map((a) => `${a.id}@${a.version}`).sort());
    for (const agreement of agreements) {
      const hash = createHash('sha256').update(canonicalAgreementJson(agreement)).digest('hex');
      expect(agreementRef(agreement), agreement.id).toEqual({
        id: agreement.id,
        version: agreement.version,
        sha256: hash,
      });
      expect(agreementRefSchema.safeParse(agreementRef(agreement)).success).toBe(true);
    }
  });

  it('writes canonical JSON with sorted keys and no white space, whatever the order written', () => {
    const [first] = agreements;
    if (!first) throw new Error('no agreements');
    const reordered = Object.fromEntries(Object.entries(first).reverse()) as unknown as typeof first;
    expect(canonicalAgreementJson(reordered)).toBe(canonicalAgreementJson(first));
    expect(canonicalAgreementJson(first)).toMatch(/^\{"id":"service-only","summary":/);
    expect(canonicalAgreementJson(first)).not.toMatch(/": /);
  });

  it('offers four to six agreements with unique ids, plain text and sound machine terms', () => {
    expect(agreements.length).toBeGreaterThanOrEqual(4);
    expect(agreements.length).toBeLessThanOrEqual(6);
    expect(new Set(agreements.map((a) => a.id)).size).toBe(agreements.length);
    for (const { id, text, terms } of agreements) {
      expect(text.length, id).toBeGreaterThan(0);
      for (const purpose of terms.purposes) expect(purposeIds, id).toContain(purpose);
      expect(terms.retention_days, id).toBeGreaterThanOrEqual(1);
      expect(terms.retention_days, id).toBeLessThanOrEqual(90);
      // Marketing contact only where marketing is an allowed purpose.
      expect(terms.contact.purposes.includes('marketing'), id).toBe(terms.purposes.includes('marketing'));
    }
  });

  it('finds an agreement only when id, version and hash all match', () => {
    const [first] = agreements;
    if (!first) throw new Error('no agreements');
    const ref = agreementRef(first);
    expect(findAgreement(ref)).toBe(first);
    expect(findAgreement({ id: ref.id, version: ref.version })).toBe(first);
    for (const bad of [
      { ...ref, sha256: '0'.repeat(64) },
      { ...ref, version: 2 },
      { ...ref, id: 'service-only-ish' },
    ]) {
      expect(findAgreement(bad)).toBeUndefined();
    }
  });
});
