import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createEd25519Verifier, type Ed25519Verifier } from './ed25519-verifier.ts';

function signer() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    raw: Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url'),
    sign: (message: Buffer) => sign(null, message, privateKey),
  };
}

/** OpenSSL's answer, the reference. */
function openSslVerifies(raw: Buffer, message: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
  return verify(null, message, key, signature);
}

/** The order of Ed25519's base point, RFC 8032 §5.1 (L). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

let verifier: Ed25519Verifier;
afterEach(async () => {
  await verifier.close();
});

describe('createEd25519Verifier', () => {
  it('answers every verification of a batch asked in one turn, each for its own record, as OpenSSL does', async () => {
    verifier = createEd25519Verifier();
    const alice = signer();
    const bob = signer();
    const cases = Array.from({ length: 600 }, (_, i) => {
      const message = Buffer.from(`proof ${i} `.repeat(i % 40));
      const signature = alice.sign(message);
      // Every third is wrong a different way: another key, another message, a flipped bit.
      if (i % 3 !== 1) return { key: alice.raw, message, signature };
      const way = i % 9;
      if (way === 1) return { key: bob.raw, message, signature };
      if (way === 4) return { key: alice.raw, message: Buffer.from(`${message}!`), signature };
      const flipped = Buffer.from(signature);
      flipped[i % 64] = (flipped[i % 64] as number) ^ 0x01;
      return { key: alice.raw, message, signature: flipped };
    });
    // More than one batch's worth, all asked for before any answer.
    const answers = await Promise.all(cases.map((c) => verifier.verify(c.key, c.message, c.signature)));
    expect(answers).toEqual(cases.map((c) => openSslVerifies(c.key, c.message, c.signature)));
    expect(answers.filter(Boolean)).toHaveLength(400);
  });

  it('refuses keys and signatures of the wrong size', async () => {
    verifier = createEd25519Verifier();
    const alice = signer();
    const message = Buffer.from('m');
    const signature = alice.sign(message);
    for (const size of [0, 31, 33, 64])
      expect(await verifier.verify(Buffer.alloc(size, 1), message, signature)).toBe(false);
    for (const size of [0, 32, 63, 65, 128])
      expect(
        await verifier.verify(alice.raw, message, Buffer.concat([signature, signature]).subarray(0, size)),
      ).toBe(false);
    expect(await verifier.verify(alice.raw, message, signature)).toBe(true);
  });

  it('refuses a malleated signature whose S is not reduced (RFC 8032 §5.1.7: S < L)', async () => {
    verifier = createEd25519Verifier();
    const alice = signer();
    const message = Buffer.from('eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJHRVQifQ');
    const signature = alice.sign(message);
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(signature[32 + i] as number);
    const reduced = s + L;
    const malleatedS = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) malleatedS[i] = Number((reduced >> BigInt(8 * i)) & 0xffn);
    expect(await verifier.verify(alice.raw, message, signature)).toBe(true);
    expect(
      await verifier.verify(alice.raw, message, Buffer.concat([signature.subarray(0, 32), malleatedS])),
    ).toBe(false);
  });

  it('refuses what is still waiting when closed, and starts again when asked after', async () => {
    verifier = createEd25519Verifier();
    const alice = signer();
    const message = Buffer.from('m');
    const signature = alice.sign(message);
    expect(await verifier.verify(alice.raw, message, signature)).toBe(true);
    const refused = expect(verifier.verify(alice.raw, message, signature)).rejects.toThrow(/closed/);
    await verifier.close();
    await refused;
    expect(await verifier.verify(alice.raw, message, signature)).toBe(true);
  });

  it('refuses the checks a dying thread held, and starts a new thread for the next ones instead of hanging', async () => {
    // A thread that dies on its first batch, every time it is started.
    verifier = createEd25519Verifier({
      threadSource: "require('node:worker_threads').parentPort.on('message', () => process.exit(3));",
    });
    const alice = signer();
    const message = Buffer.from('m');
    const signature = alice.sign(message);
    const twice = [alice.sign(Buffer.from('n')), signature];
    await expect(Promise.all(twice.map((s) => verifier.verify(alice.raw, message, s)))).rejects.toThrow(
      /exited \(3\)/,
    );
    await expect(verifier.verify(alice.raw, message, signature)).rejects.toThrow(/exited \(3\)/);
  });
});
