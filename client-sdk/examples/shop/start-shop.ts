import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createShopApp, type Shop, type ShopOptions } from './app.ts';

/** Options of {@link startShop}: those of `createShopApp`, with the address to listen on. */
export interface StartShopOptions extends Omit<ShopOptions, 'publicUrl'> {
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default `http://<hostname>:<port>` once listening. */
  publicUrl?: string;
}

/**
 * Starts the Corner Shop on a real socket and resolves once it listens.
 *
 * @example
 * const shop = await startShop({ vaultUrl, privateJwk });
 * shop.clientId // 'http://127.0.0.1:53121/.well-known/kith-client.json'
 * await shop.stop();
 */
export async function startShop(
  options: StartShopOptions,
): Promise<Shop & { url: string; stop(): Promise<void> }> {
  const { hostname = '127.0.0.1', port = 0, publicUrl, ...shopOptions } = options;
  let listeningUrl: string | undefined;
  const shop = createShopApp({
    ...shopOptions,
    publicUrl: () => {
      const url = publicUrl ?? listeningUrl;
      if (!url) throw new Error('The shop is not listening yet.');
      return url;
    },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: shop.app.fetch, hostname, port }, () => resolve(started));
  });
  const address = server.address() as AddressInfo;
  listeningUrl = `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${address.port}`;
  return Object.assign(shop, {
    url: publicUrl ?? listeningUrl,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        shop.close();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  });
}
