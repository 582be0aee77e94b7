import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

// Names every plain object answers to through its prototype: a lookup keyed by request
// input must not find them.
const prototypeNames = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'isPrototypeOf',
];

describeEachDatabase('paths named after Object.prototype', (database) => {
  let tv: TestVault;
  beforeAll(async () => {
    tv = await openTestVault(database());
  });
  afterAll(() => tv?.close());

  it('answers /static/NAME and /docs/NAME with a NOT_FOUND problem, and logs no error', async () => {
    for (const folder of ['static', 'docs']) {
      for (const name of prototypeNames) {
        const before = tv.logs.length;
        const res = await requestJson(tv.app, `/${folder}/${name}`);
        expect(res.status, `/${folder}/${name}`).toBe(404);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.body, `/${folder}/${name}`).toMatchObject({ code: 'NOT_FOUND' });
        const errors = tv.logs.slice(before).filter((line) => JSON.parse(line).level >= 50);
        expect(errors, `/${folder}/${name}`).toEqual([]);
      }
    }
  });

  it('still serves the files that are there', async () => {
    expect((await tv.app.request('/static/kith.css')).status).toBe(200);
    expect((await tv.app.request('/docs/init.js')).status).toBe(200);
  });
});
