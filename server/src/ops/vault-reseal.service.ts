import type { Db } from '../db/database.ts';
import { webhookSecretContext } from '../events/event.service.ts';
import { open, seal, sealedFormat } from '../keys/envelope.ts';
import { fieldContext } from '../keys/field-cipher.ts';
import { signingKeyContext } from '../keys/signing-key.service.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { nameContext, ownerDataKey } from '../owners/owner.service.ts';
import { passkeyNameContext } from '../owners/passkey.service.ts';
import {
  findOwnerIdsAfter,
  findOwnerSealed,
  findPasskeysSealed,
  findProfileSealed,
  findSigningKeysSealed,
  findWebhookSecretsSealed,
  replaceOwnerSealed,
  replacePasskeySealed,
  replaceProfileSealed,
  replaceSigningKeySealed,
  replaceWebhookSecretSealed,
} from './vault-reseal.repository.ts';

export interface ResealDeps {
  db: Db;
  keys: VaultKeys;
}

/** What a reseal did: how many owners it went through and how many values it sealed anew. */
export interface ResealReport {
  owners: number;
  resealed: number;
}

const OWNERS_PER_PAGE = 200;

/**
 * Seals every value still in an older envelope format (v1, AES-256-GCM) anew
 * in the current one (v2, XChaCha20-Poly1305): profile values, owner and
 * passkey names, wrapped data keys, signing keys and webhook secrets. Values
 * already current are left as they are, so a second run reseals nothing.
 * The plaintext, context and version of every value stay the same: vendors
 * see no change and hear of none. Each owner's values change in one
 * transaction; the vault keeps serving meanwhile, because both formats open.
 *
 * @example
 * const { resealed } = await resealVault({ db, keys });
 */
export async function resealVault(deps: ResealDeps): Promise<ResealReport> {
  let owners = 0;
  let resealed = 0;
  let after = '';
  for (;;) {
    const ids = await findOwnerIdsAfter(deps.db, after, OWNERS_PER_PAGE);
    if (ids.length === 0) break;
    for (const ownerId of ids) {
      resealed += await resealOwner(deps, ownerId);
      owners++;
    }
    after = ids[ids.length - 1] as string;
  }
  resealed += await resealServerSecrets(deps);
  return { owners, resealed };
}

async function resealOwner(deps: ResealDeps, ownerId: string): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const owner = await findOwnerSealed(trx, ownerId);
    if (!owner) return 0;
    const dataKey = ownerDataKey(deps.keys, owner);
    let count = 0;
    // The data key itself stays: only its wrapping changes, so nothing sealed under it needs touching for that.
    if (isV1(owner.data_key_wrapped)) {
      await replaceOwnerSealed(
        trx,
        ownerId,
        'data_key_wrapped',
        owner.data_key_wrapped,
        deps.keys.wrapDataKey(ownerId, dataKey),
      );
      count++;
    }
    if (isV1(owner.name_sealed)) {
      await replaceOwnerSealed(
        trx,
        ownerId,
        'name_sealed',
        owner.name_sealed,
        reseal(dataKey, owner.name_sealed, nameContext(ownerId)),
      );
      count++;
    }
    for (const row of await findProfileSealed(trx, ownerId)) {
      if (!row.value_sealed || !isV1(row.value_sealed)) continue;
      const context = fieldContext(ownerId, row.path);
      await replaceProfileSealed(
        trx,
        ownerId,
        row.path,
        row.value_sealed,
        reseal(dataKey, row.value_sealed, context),
      );
      count++;
    }
    for (const row of await findPasskeysSealed(trx, ownerId)) {
      if (!isV1(row.name_sealed)) continue;
      const context = passkeyNameContext(ownerId, row.id);
      await replacePasskeySealed(trx, row.id, row.name_sealed, reseal(dataKey, row.name_sealed, context));
      count++;
    }
    return count;
  });
}

async function resealServerSecrets(deps: ResealDeps): Promise<number> {
  let count = 0;
  for (const row of await findSigningKeysSealed(deps.db)) {
    if (!isV1(row.private_key_sealed)) continue;
    const context = signingKeyContext(row.kid);
    const sealed = deps.keys.sealSecret(deps.keys.openSecret(row.private_key_sealed, context), context);
    await replaceSigningKeySealed(deps.db, row.kid, row.private_key_sealed, sealed);
    count++;
  }
  for (const row of await findWebhookSecretsSealed(deps.db)) {
    if (!row.webhook_secret_sealed || !isV1(row.webhook_secret_sealed)) continue;
    const context = webhookSecretContext(row.client_id);
    const sealed = deps.keys.sealSecret(deps.keys.openSecret(row.webhook_secret_sealed, context), context);
    await replaceWebhookSecretSealed(deps.db, row.client_id, row.webhook_secret_sealed, sealed);
    count++;
  }
  return count;
}

function isV1(sealed: Uint8Array): boolean {
  return sealedFormat(sealed) === 1;
}

// Opened and sealed under the same key and context: the same value, in the current format.
function reseal(key: Buffer, sealed: Uint8Array, context: string): Buffer {
  return seal(key, open(key, sealed, context), context);
}
