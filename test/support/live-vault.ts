/**
 * A vault served over real HTTP on 127.0.0.1, for tests where real clients
 * (the SDK, a browser, a vendor app) talk to it across a socket.
 */
import { serve } from '@hono/node-server';
import {
  type DeliveryOptions,
  type DeliveryWorker,
  startDeliveryWorker,
} from '../../server/src/events/delivery.service.ts';
import { createLogger } from '../../server/src/logger.ts';
import type { TestDatabase } from './databases.ts';
import { freePort } from './postgres-cluster.ts';
import { openTestVault, type TestVault } from './test-vault.ts';

export interface LiveVault extends TestVault {
  /** The vault's public origin, `http://localhost:PORT`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Opens a vault on `database` and serves it. The public URL uses `localhost`
 * (passkeys need a host name; the SDK accepts plain http only on loopback).
 *
 * @example
 * const vault = await startLiveVault(database());
 * await fetch(`${vault.url}/healthz`);
 */
export async function startLiveVault(
  database: TestDatabase,
  options: { env?: Record<string, string>; masterKey?: string; realClock?: boolean } = {},
): Promise<LiveVault> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const tv = await openTestVault(database, {
    // Real time by default: SDK proofs and assertions carry it. Browser-only tests freeze it to move it.
    realClock: options.realClock ?? true,
    ...(options.masterKey ? { masterKey: options.masterKey } : {}),
    env: { KITH_PUBLIC_URL: url, KITH_DEV_ALLOW_LOCAL_VENDORS: 'true', ...options.env },
  });
  const server = serve({ fetch: tv.app.fetch, port, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    ...tv,
    url,
    async stop() {
      // Browsers keep connections alive; close them so the server can stop.
      (server as unknown as { closeAllConnections?(): void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tv.close();
    },
  };
}

/**
 * Starts the webhook delivery worker on a vault's own database, keys and
 * clock, with silent logs; stop it before the vault.
 *
 * @example
 * const worker = startLiveDelivery(vault, { pollIntervalMs: 20 });
 * await worker.stop();
 */
export function startLiveDelivery(vault: TestVault, options: DeliveryOptions = {}): DeliveryWorker {
  return startDeliveryWorker(
    {
      db: vault.vault.db,
      keys: vault.vault.keys,
      keyring: vault.vault.keyring,
      vendorFetches: vault.vault.vendorFetches,
      clock: vault.clock,
      logger: createLogger('silent'),
      config: vault.config,
    },
    options,
  );
}
