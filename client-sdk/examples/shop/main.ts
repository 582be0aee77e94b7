// Starts the Corner Shop example: `pnpm --filter @kith/client shop`.
//   SHOP_PORT        port to listen on (default 4000)
//   SHOP_PUBLIC_URL  where browsers and the vault reach the shop (default http://127.0.0.1:<port>)
//   KITH_VAULT_URL   the customers' vault (default http://localhost:3000)
//   SHOP_PRIVATE_JWK the shop's private key as JSON; without it a throwaway key is generated
import { generateKeyPair } from '@kith/client';
import { startShop } from './start-shop.ts';

const port = Number(process.env.SHOP_PORT ?? 4000);
const vaultUrl = process.env.KITH_VAULT_URL ?? 'http://localhost:3000';
let privateJwk = process.env.SHOP_PRIVATE_JWK ? JSON.parse(process.env.SHOP_PRIVATE_JWK) : undefined;
if (!privateJwk) {
  privateJwk = (await generateKeyPair()).privateJwk;
  console.warn('SHOP_PRIVATE_JWK is not set: using a throwaway key; grants die when the shop restarts.');
}

const shop = await startShop({ port, vaultUrl, privateJwk, publicUrl: process.env.SHOP_PUBLIC_URL });
console.log(`Corner Shop on ${shop.url} (client id ${shop.clientId}), vault ${vaultUrl}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    shop.stop().then(() => process.exit(0));
  });
}
