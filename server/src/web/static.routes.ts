import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/**
 * The pages' static files, read once at start-up and served from our own
 * origin (the CSP allows nothing else): our stylesheet and ceremony script,
 * and @simplewebauthn/browser's UMD bundle (global `SimpleWebAuthnBrowser`).
 */
export function createStaticRoutes() {
  // The package exports no `package.json`; its CommonJS entry sits one folder below the root.
  const webauthnRoot = join(dirname(require.resolve('@simplewebauthn/browser')), '..');
  const webauthnBundle = join(webauthnRoot, 'dist/bundle/index.umd.min.js');
  // A Map, not an object literal: `/static/__proto__` must be a missing file, not Object.prototype.
  const assets = new Map<string, { type: string; body: Buffer }>(
    Object.entries({
      'kith.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(here, 'static/kith.css')) },
      'kith.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(here, 'static/kith.js')) },
      'icon.svg': { type: 'image/svg+xml', body: readFileSync(join(here, 'static/icon.svg')) },
      'simplewebauthn-browser.js': {
        type: 'text/javascript; charset=utf-8',
        body: readFileSync(webauthnBundle),
      },
    }),
  );
  const app = new Hono<AppEnv>();
  app.get('/static/:asset', (c) => {
    const asset = assets.get(c.req.param('asset'));
    if (!asset) return c.notFound();
    return c.body(new Uint8Array(asset.body), 200, {
      'content-type': asset.type,
      'cache-control': 'public, max-age=3600',
    });
  });
  return app;
}
