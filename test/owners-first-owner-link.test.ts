import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createOwnerWithEnrollment,
  issueFirstOwnerEnrollment,
} from '../server/src/owners/enrollment.service.ts';
import { countOwners } from '../server/src/owners/owner.repository.ts';
import { CSRF_COOKIE, CSRF_HEADER } from '../server/src/web/csrf.tsx';
import { describeEachDatabase } from './support/databases.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

describeEachDatabase('the first-owner link', (database) => {
  let tv: TestVault;
  // One key for the suite: each test reopens the same database.
  const masterKey = randomBytes(32).toString('base64');
  const deps = () => ({ db: tv.vault.db, keys: tv.vault.keys, clock: tv.clock, config: tv.config });

  beforeEach(async () => {
    tv = await openTestVault(database(), { masterKey });
    // Each test starts from an empty vault.
    await tv.vault.db.deleteFrom('enrollments').execute();
    await tv.vault.db.deleteFrom('owners').execute();
  });
  afterEach(() => tv?.close());

  /** The first-owner link as `kith serve` prints it, as a path. */
  async function firstOwnerLink(): Promise<string> {
    const enrollment = await issueFirstOwnerEnrollment(deps());
    if (!enrollment) throw new Error('an empty vault should offer a first-owner link');
    return new URL(enrollment.url).pathname;
  }

  /** Asks for registration options with a link, as the enrollment page's script does. */
  async function enrollOptions(path: string, name: string) {
    const page = await tv.app.request('/sign-in');
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const cookie = page.headers
      .getSetCookie()
      .find((line) => line.startsWith(`${CSRF_COOKIE}=`))
      ?.split(';')[0];
    const res = await tv.app.request('/auth/enroll/options', {
      method: 'POST',
      headers: {
        cookie: cookie ?? '',
        [CSRF_HEADER]: token,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ token: path.slice('/enroll/'.length), name }),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; challenge?: string } };
  }

  it('works on an empty vault', async () => {
    const link = await firstOwnerLink();
    expect((await tv.app.request(link)).status).toBe(200);
    const options = await enrollOptions(link, 'Ada Lovelace');
    expect(options.status).toBe(200);
    expect(options.body.challenge).toBeTypeOf('string');
    expect(await countOwners(tv.vault.db)).toBe(1);
    // The owner it is enrolling may come back to it (a second try on the same page).
    expect((await tv.app.request(link)).status).toBe(200);
  });

  it('stops working once the operator creates an owner with kith owner create', async () => {
    const link = await firstOwnerLink();
    await createOwnerWithEnrollment(deps(), { name: 'Mary Somerville' });
    const page = await tv.app.request(link);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('This link does not work');
    const options = await enrollOptions(link, 'Mallory');
    expect(options).toMatchObject({ status: 400, body: { code: 'ENROLLMENT_INVALID' } });
    expect(await countOwners(tv.vault.db)).toBe(1);
  });

  it('stops working once another first-owner link (printed by an earlier start) made an owner', async () => {
    const first = await firstOwnerLink();
    const second = await firstOwnerLink();
    expect((await enrollOptions(first, 'Ada Lovelace')).status).toBe(200);
    expect((await tv.app.request(second)).status).toBe(400);
    expect(await enrollOptions(second, 'Mallory')).toMatchObject({
      status: 400,
      body: { code: 'ENROLLMENT_INVALID' },
    });
    expect(await countOwners(tv.vault.db)).toBe(1);
    // No new link is offered either.
    expect(await issueFirstOwnerEnrollment(deps())).toBeUndefined();
  });

  it('makes one owner when two tabs race on one link', async () => {
    const link = await firstOwnerLink();
    const answers = await Promise.all([
      enrollOptions(link, 'Ada Lovelace'),
      enrollOptions(link, 'Ada Byron'),
    ]);
    // The tab that loses the claim is refused, or (if it came second) continues as the owner the link made.
    for (const answer of answers) {
      if (answer.status !== 200) expect(answer.body.code).toBe('ENROLLMENT_INVALID');
    }
    expect(answers.some((a) => a.status === 200)).toBe(true);
    expect(await countOwners(tv.vault.db)).toBe(1);
  });
});
