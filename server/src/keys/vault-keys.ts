import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { open, seal } from './envelope.ts';

/**
 * The keys the vault derives from its master key. Each purpose gets its own
 * HKDF-derived key so that no key is ever used for two things.
 */
export interface VaultKeys {
  /** Wraps a fresh data key for a new owner; returns the data key and its wrapped form. */
  newDataKey(ownerId: string): { dataKey: Buffer; wrapped: Buffer };
  /** Wraps an owner's existing data key anew (in the current envelope format). */
  wrapDataKey(ownerId: string, dataKey: Buffer): Buffer;
  /** Unwraps an owner's data key (cached); throws `SealBrokenError` under a wrong master key. */
  dataKey(ownerId: string, wrapped: Uint8Array): Buffer;
  /** Seals a server secret (not owner data) under the master key, bound to `context`. */
  sealSecret(plaintext: Buffer, context: string): Buffer;
  /** Opens what `sealSecret` sealed. */
  openSecret(sealed: Uint8Array, context: string): Buffer;
  /** A keyed hash for looking a secret up by value without storing it (blind index). */
  blindIndex(purpose: string, value: string): string;
}

const DATA_KEY_CACHE_LIMIT = 10_000;

/**
 * Derives the vault's keys from the master key.
 *
 * @example
 * const keys = createVaultKeys(masterKey);
 * const { dataKey, wrapped } = keys.newDataKey('own_1');
 */
export function createVaultKeys(masterKey: Buffer): VaultKeys {
  const wrappingKey = derive(masterKey, 'kith/v1/key-wrapping');
  const secretsKey = derive(masterKey, 'kith/v1/server-secrets');
  const indexKey = derive(masterKey, 'kith/v1/blind-index');
  const cache = new Map<string, Buffer>();

  const remember = (ownerId: string, key: Buffer) => {
    if (cache.size >= DATA_KEY_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(ownerId, key);
    return key;
  };

  return {
    newDataKey(ownerId) {
      const dataKey = randomBytes(32);
      return {
        dataKey: remember(ownerId, dataKey),
        wrapped: seal(wrappingKey, dataKey, dataKeyContext(ownerId)),
      };
    },
    wrapDataKey: (ownerId, dataKey) => seal(wrappingKey, dataKey, dataKeyContext(ownerId)),
    dataKey(ownerId, wrapped) {
      const cached = cache.get(ownerId);
      if (cached) return cached;
      return remember(ownerId, open(wrappingKey, wrapped, dataKeyContext(ownerId)));
    },
    sealSecret: (plaintext, context) => seal(secretsKey, plaintext, `secret|${context}`),
    openSecret: (sealed, context) => open(secretsKey, sealed, `secret|${context}`),
    blindIndex: (purpose, value) =>
      createHmac('sha256', indexKey).update(`${purpose}|${value}`).digest('base64url'),
  };
}

function derive(masterKey: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
}

function dataKeyContext(ownerId: string): string {
  return `data-key|owner:${ownerId}`;
}
