import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { MasterKeyMismatchError } from '../server/src/keys/master-key-check.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault } from './support/test-vault.ts';

describeEachDatabase('the master key', (database) => {
  it('reads the profile back after a restart with the same key', async () => {
    const first = await openTestVault(database());
    const { owner, cookie } = await first.signedInOwner();
    await requestJson(first.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { email: 'kept@example.com' },
    });
    await first.close();

    const second = await openTestVault(database(), { masterKey: first.masterKey });
    const res = await requestJson<{ fields: Record<string, { value: unknown }> }>(
      second.app,
      '/v1/me/profile',
      { cookie },
    );
    expect(res.status).toBe(200);
    expect(res.body.fields.email?.value).toBe('kept@example.com');
    expect(owner.id).toMatch(/^own_/);
    await second.close();
  });

  it('refuses to start with a different key instead of serving garbage', async () => {
    const other = randomBytes(32).toString('base64');
    const attempt = openTestVault(database(), { masterKey: other });
    await expect(attempt).rejects.toBeInstanceOf(MasterKeyMismatchError);
    await expect(attempt).rejects.toThrow(/does not open this vault/);
  });
});
