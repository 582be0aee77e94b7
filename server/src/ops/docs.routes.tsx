import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

const require = createRequire(import.meta.url);

/**
 * The browsable API reference at `/docs`: Swagger UI served from our own
 * origin (no CDN), reading `/openapi.json`.
 */
export function createDocsRoutes() {
  const dist = dirname(require.resolve('swagger-ui-dist/package.json'));
  // A Map, not an object literal: `/docs/constructor` must be a missing file, not Object's constructor.
  const assets = new Map<string, { type: string; body: Uint8Array<ArrayBuffer> }>(
    Object.entries({
      'swagger-ui.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(dist, 'swagger-ui.css')) },
      'swagger-ui-bundle.js': {
        type: 'text/javascript; charset=utf-8',
        body: readFileSync(join(dist, 'swagger-ui-bundle.js')),
      },
      'init.js': {
        type: 'text/javascript; charset=utf-8',
        body: Buffer.from(
          "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true });\n",
        ),
      },
      // Copied once into plain byte arrays, the body type Hono takes, instead of on every request.
    }).map(([name, { type, body }]) => [name, { type, body: new Uint8Array(body) }]),
  );

  const app = new Hono<AppEnv>();
  app.get('/docs', (c) => {
    // Swagger UI sets style attributes as it renders; scripts stay same-origin only.
    c.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    );
    return c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Kith API reference</title>
          <link rel="stylesheet" href="/docs/swagger-ui.css" />
        </head>
        <body>
          <main id="reference" />
          <script src="/docs/swagger-ui-bundle.js" />
          <script src="/docs/init.js" />
        </body>
      </html>,
    );
  });
  app.get('/docs/:asset', (c) => {
    const asset = assets.get(c.req.param('asset'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, {
      'content-type': asset.type,
      'cache-control': 'public, max-age=3600',
    });
  });
  return app;
}
