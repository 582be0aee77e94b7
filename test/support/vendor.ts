/**
 * A vendor for tests: a real key pair, the real SDK, and its metadata document
 * served over real HTTP on 127.0.0.1 (so the vault fetches it for real, in
 * development mode).
 */
import { serve } from '@hono/node-server';
import { createKithClient, generateKeyPair, type KithClient, loadSigningKey, type SigningKey } from '@kith/client';
import { Hono } from 'hono';
import { freePort } from './postgres-cluster.ts';

export interface TestVendor {
  clientId: string;
  client: KithClient;
  origin: string;
  /** The vendor's own signing key, for tests that build proofs by hand. */
  key: SigningKey;
  stop(): Promise<void>;
}

export async function startTestVendor(options: {
  vault: string;
  name?: string;
  redirectPath?: string;
  alg?: 'EdDSA' | 'ES256';
}): Promise<TestVendor> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const clientId = `${origin}/.well-known/kith-client.json`;
  const { privateJwk } = await generateKeyPair({ alg: options.alg ?? 'EdDSA' });
  const client = createKithClient({ clientId, privateJwk, vault: options.vault, retry: { retries: 0 } });
  const metadata = await client.metadataDocument({
    clientName: options.name ?? 'Test Shop',
    redirectUris: [`${origin}${options.redirectPath ?? '/kith/callback'}`],
  });
  const app = new Hono();
  app.get('/.well-known/kith-client.json', (c) => c.json(metadata));
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    clientId,
    client,
    origin,
    key: await loadSigningKey(privateJwk),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
