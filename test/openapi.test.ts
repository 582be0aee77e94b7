import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { webhookEventTypes } from '@kith/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../server/src/http/session-cookie.ts';
import { createTestDatabase, type OwnedTestDatabase } from './support/databases.ts';
import { createTempDir, type TempDir } from './support/temp-dir.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, { enum?: string[]; $ref?: string }> }>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
}
interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

const vendorSchemes: Record<string, string> = {
  requestGrant: 'privateKeyJwt',
  collectGrant: 'privateKeyJwt',
  acknowledgeErasure: 'privateKeyJwt',
  redeemGrant: 'dpop',
  relinquishGrant: 'dpop',
  checkContact: 'dpop',
  recordContact: 'dpop',
};
const publicOperations = ['checkLiveness', 'checkReadiness', 'getJwks', 'getDiscovery'];

/** Every `[path, method, operation]` of a paths or webhooks map. */
function operationsOf(map: Document['paths']): [string, string, Operation][] {
  return Object.entries(map).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): [string, string, Operation] => [path, method, operation]),
  );
}

/** Runs the Redocly CLI's `lint` with its own recommended rules, offline, and returns its problems. */
async function redoclyLint(
  file: string,
  cwd: string,
): Promise<{ code: number | null; problems: LintProblem[] }> {
  const cli = join(
    dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
    'bin/cli.js',
  );
  const child = spawn(
    process.execPath,
    [cli, 'lint', file, '--extends=recommended', '--format=json', '--max-problems=1000'],
    {
      cwd,
      // No telemetry and no update check: the lint needs no network.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    return { code, problems: (JSON.parse(stdout) as { problems: LintProblem[] }).problems };
  } catch {
    throw new Error(`redocly lint printed no report (exit ${code}): ${stderr}`);
  }
}

describe('the OpenAPI document', () => {
  let database: OwnedTestDatabase;
  let tv: TestVault;
  let dir: TempDir;
  let document: Document;
  let text: string;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    tv = await openTestVault(database);
    dir = createTempDir('kith-openapi-');
    const res = await tv.app.request('/openapi.json');
    expect(res.status).toBe(200);
    text = await res.text();
    document = JSON.parse(text) as Document;
  });
  afterAll(async () => {
    await tv?.close();
    await database?.drop();
    await dir?.cleanup();
  });

  it('passes Redocly’s recommended rules with no error', async () => {
    const file = join(dir.path, 'openapi.json');
    writeFileSync(file, text);
    const { code, problems } = await redoclyLint(file, dir.path);
    const errors = problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
  });

  it('gives every operation and webhook an operationId of its own', () => {
    const ids = [...operationsOf(document.paths), ...operationsOf(document.webhooks)].map(
      ([path, method, operation]) => operation.operationId ?? `(none on ${method} ${path})`,
    );
    expect(ids.filter((id) => id.startsWith('(none'))).toEqual([]);
    expect(ids.length).toBeGreaterThan(25);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists the problem document once, as a component every problem answer refers to', () => {
    const problem = document.components.schemas.Problem;
    expect(problem?.properties?.code?.enum).toContain('INTERNAL_ERROR');
    const answers = operationsOf(document.paths).flatMap(([, , operation]) =>
      Object.values(operation.responses).flatMap((response) =>
        response.content?.['application/problem+json']
          ? [response.content['application/problem+json'].schema]
          : [],
      ),
    );
    expect(answers.length).toBeGreaterThan(50);
    for (const schema of answers) expect(schema).toEqual({ $ref: '#/components/schemas/Problem' });
    // The list of codes is the problem schema's signature: it is written once in the whole document.
    expect(text.split('"INTERNAL_ERROR"')).toHaveLength(2);
  });

  it('repeats no sizeable schema inline: each is a named component, referred to', () => {
    const seen = new Map<string, number>();
    const visit = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const json = JSON.stringify(node);
      if (!Array.isArray(node) && 'type' in node && json.length > 300)
        seen.set(json, (seen.get(json) ?? 0) + 1);
      for (const value of Object.values(node)) visit(value);
    };
    visit(document);
    expect([...seen].filter(([, count]) => count > 1).map(([json]) => json.slice(0, 120))).toEqual([]);
    for (const name of ['ProfileView', 'GrantRequestInput', 'ContactTerms', 'FieldPath', 'OwnerGrant']) {
      expect(document.components.schemas).toHaveProperty(name);
    }
  });

  it('declares the session cookie, DPoP and private_key_jwt, and names the right one on each operation', () => {
    expect(document.components.securitySchemes).toEqual({
      ownerSession: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }),
      dpop: expect.objectContaining({ type: 'http', scheme: 'DPoP' }),
      privateKeyJwt: expect.objectContaining({ type: 'oauth2', flows: {} }),
    });
    for (const [path, method, operation] of operationsOf(document.paths)) {
      const id = operation.operationId ?? '';
      const expected = path.startsWith('/v1/me/')
        ? [{ ownerSession: [] }]
        : vendorSchemes[id]
          ? [{ [vendorSchemes[id]]: [] }]
          : publicOperations.includes(id)
            ? []
            : 'a scheme this test knows';
      expect({ operation: `${method} ${path}`, security: operation.security }).toEqual({
        operation: `${method} ${path}`,
        security: expected,
      });
    }
  });

  it('documents every event type a vault sends as a webhook with its body', () => {
    expect(Object.keys(document.webhooks).sort()).toEqual([...webhookEventTypes].sort());
    for (const type of webhookEventTypes) {
      const ref = document.webhooks[type]?.post?.requestBody?.content['application/json']?.schema.$ref ?? '';
      const body = document.components.schemas[ref.replace('#/components/schemas/', '')];
      expect(body?.properties?.type?.enum).toEqual([type]);
      expect(body?.properties?.data?.$ref).toMatch(/^#\/components\/schemas\/\w+Data$/);
    }
  });
});
