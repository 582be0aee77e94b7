import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { nameSchemas } from './openapi-document.ts';

const terms = z.object({ channels: z.array(z.enum(['email', 'post'])), max_per_week: z.int().min(0) });
const request = z.object({ purpose: z.string(), contact: terms.optional() });
const answer = z.object({ id: z.string(), contact: terms });

function documentWith(...schemas: z.ZodType[]) {
  const app = new OpenAPIHono();
  schemas.forEach((schema, i) => {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/r${i}`,
        request: { body: { content: { 'application/json': { schema } } } },
        responses: { 200: { description: 'ok', content: { 'application/json': { schema } } } },
      }),
      (c) => c.json({}, 200),
    );
  });
  return app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('nameSchemas', () => {
  it('refers to a named schema wherever it appears, inside other named ones too, and writes it once', () => {
    const named = nameSchemas(documentWith(request, answer, terms), {
      Terms: terms,
      Request: request,
      Answer: answer,
    });
    const r0 = named.paths?.['/r0']?.post;
    expect(r0?.requestBody).toEqual({ content: { 'application/json': { schema: ref('Request') } } });
    expect(named.paths?.['/r2']?.post?.responses?.[200]?.content['application/json'].schema).toEqual(
      ref('Terms'),
    );
    expect(named.components?.schemas?.Request).toMatchObject({ properties: { contact: ref('Terms') } });
    expect(named.components?.schemas?.Answer).toMatchObject({ properties: { contact: ref('Terms') } });
    expect(named.components?.schemas?.Terms).toMatchObject({
      type: 'object',
      required: ['channels', 'max_per_week'],
    });
  });

  it('writes a named part that only other named schemas hold, and leaves out names nothing uses', () => {
    const unused = z.object({ never: z.boolean() });
    const named = nameSchemas(documentWith(answer), { Answer: answer, Terms: terms, Unused: unused });
    expect(Object.keys(named.components?.schemas ?? {})).toEqual(['Answer', 'Terms']);
  });

  it('leaves alone a schema the route describes in its own words', () => {
    const described = terms.describe('What this route allows.');
    const named = nameSchemas(documentWith(described), { Terms: terms });
    const schema = named.paths?.['/r0']?.post?.responses?.[200]?.content['application/json'].schema;
    expect(schema).toMatchObject({ description: 'What this route allows.', type: 'object' });
  });

  it('refuses two names for one shape, which would make every reference a guess', () => {
    const twin = z.object({ channels: z.array(z.enum(['email', 'post'])), max_per_week: z.int().min(0) });
    expect(() => nameSchemas(documentWith(terms), { Terms: terms, Twin: twin })).toThrow(/Terms and Twin/);
  });
});
