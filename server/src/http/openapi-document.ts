import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { componentSchemas, securitySchemes } from './openapi-components.ts';
import { registerWebhooks } from './webhook.openapi.ts';

type DocumentConfig = Parameters<OpenAPIHono['getOpenAPI31Document']>[0];
type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

/**
 * Serves the OpenAPI 3.1 document at `/openapi.json`: every route's
 * definition, the security schemes, the webhooks, and the shapes of
 * `@kith/schemas` as named components. Built on the first request, once.
 */
export function serveOpenApiDocument(app: OpenAPIHono<AppEnv>, config: DocumentConfig) {
  for (const [name, scheme] of Object.entries(securitySchemes)) {
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  }
  registerWebhooks(app.openAPIRegistry);
  let document: OpenApiDocument | undefined;
  app.get('/openapi.json', (c) => {
    document ??= nameSchemas(app.getOpenAPI31Document(config), componentSchemas);
    return c.json(document);
  });
}

/**
 * Moves every inline copy of a named schema into `components.schemas`, under
 * its name, and puts a `$ref` in its place.
 *
 * The generator names only a schema made with `.openapi(name)`, a copy that
 * routes would then have to import instead of `@kith/schemas`' own (which
 * vendors use without the OpenAPI extension). So this matches by shape: the
 * named schema is generated inline on its own, and any part of the document
 * with exactly that JSON is it. Two named schemas with one shape would make
 * that ambiguous, so that throws.
 *
 * @example
 * nameSchemas(app.getOpenAPI31Document(config), { Problem: problemSchema })
 * // every problem response now reads { $ref: '#/components/schemas/Problem' }
 */
export function nameSchemas(document: OpenApiDocument, named: Record<string, z.ZodType>): OpenApiDocument {
  const inline = inlineSchemas(named);
  const shapeOf = shapeKeys();
  const nameOf = new Map<string, string>();
  for (const [name, schema] of inline) {
    const other = nameOf.get(shapeOf(schema));
    if (other) throw new Error(`The named schemas ${other} and ${name} have the same shape.`);
    nameOf.set(shapeOf(schema), name);
  }

  const used = new Set<string>();
  // Top-down, so the largest named shape wins over the named parts inside it.
  const refer = (node: unknown, isComponentRoot = false): unknown => {
    if (Array.isArray(node)) return node.map((item) => refer(item));
    if (node === null || typeof node !== 'object') return node;
    const name = isComponentRoot ? undefined : nameOf.get(shapeOf(node));
    if (name) {
      used.add(name);
      return { $ref: `#/components/schemas/${name}` };
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, refer(value)]));
  };

  const paths = refer(document.paths) as OpenApiDocument['paths'];
  const webhooks = refer(document.webhooks) as OpenApiDocument['webhooks'];
  // A component can refer to others, which then need writing too.
  const written = new Map<string, unknown>();
  for (let added = true; added; ) {
    added = false;
    for (const name of used) {
      if (written.has(name)) continue;
      written.set(name, refer(inline.get(name), true));
      added = true;
    }
  }
  const existing = document.components?.schemas ?? {};
  for (const name of written.keys()) {
    if (name in existing) throw new Error(`The schema name ${name} is taken twice.`);
  }
  // In the order they are named in, so the document reads the same on every build.
  const schemas = Object.fromEntries(
    [...inline.keys()].filter((n) => written.has(n)).map((n) => [n, written.get(n)]),
  );
  return {
    ...document,
    paths,
    webhooks,
    components: { ...document.components, schemas: { ...existing, ...schemas } },
  } as OpenApiDocument;
}

/** Each named schema as the generator writes it inline, in an operation. */
function inlineSchemas(named: Record<string, z.ZodType>): Map<string, object> {
  const scratch = new OpenAPIHono();
  for (const [name, schema] of Object.entries(named)) {
    scratch.openAPIRegistry.registerPath({
      method: 'get',
      path: `/${name}`,
      responses: { 200: { description: name, content: { 'application/json': { schema } } } },
    });
  }
  const { paths } = scratch.getOpenAPI31Document({ openapi: '3.1.0', info: { title: '', version: '' } });
  return new Map(
    Object.keys(named).map((name) => {
      const schema = paths?.[`/${name}`]?.get?.responses?.[200]?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`No schema was generated for ${name}.`);
      return [name, schema];
    }),
  );
}

/**
 * A canonical text of each JSON value (object keys sorted), computed once per
 * object: comparing shapes costs one pass over the document, not one per level.
 */
function shapeKeys(): (value: unknown) => string {
  const cache = new WeakMap<object, string>();
  const keyOf = (value: unknown): string => {
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    const cached = cache.get(value);
    if (cached !== undefined) return cached;
    const key = Array.isArray(value)
      ? `[${value.map(keyOf).join(',')}]`
      : `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${keyOf((value as Record<string, unknown>)[k])}`)
          .join(',')}}`;
    cache.set(value, key);
    return key;
  };
  return keyOf;
}
