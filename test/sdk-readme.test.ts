import { readFileSync } from 'node:fs';
import { purposeIds, webhookEventTypes } from '@kith/schemas';
import { describe, expect, it } from 'vitest';
import { renderFieldShapes } from '../schemas/scripts/field-shapes.ts';
import { repoRoot } from './support/cli.ts';

const readme = readFileSync(`${repoRoot}client-sdk/README.md`, 'utf8');
const requestGrant = readFileSync(`${repoRoot}client-sdk/src/request-grant.ts`, 'utf8');

// The members of an exported interface in request-grant.ts, by name.
function membersOf(name: string): string[] {
  const body = requestGrant.slice(requestGrant.indexOf(`export interface ${name} {`));
  return [...body.slice(0, body.indexOf('\n}')).matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1] as string);
}

describe('the SDK README keeps up with the code', () => {
  // If this fails, run: pnpm schemas:build
  it('shows the value shape of every field, as generated from the catalogue', () => {
    // The formatter pads table columns; compare with runs of spaces and dashes collapsed.
    const collapse = (text: string) => text.replace(/ {2,}/g, ' ').replace(/-{3,}/g, '---');
    expect(collapse(readme)).toContain(collapse(renderFieldShapes()));
  });

  it('documents every requestGrant option and every contact member', () => {
    const options = membersOf('RequestGrantOptions');
    expect(options).toEqual(expect.arrayContaining(['fields', 'purpose', 'contact', 'redirectUri']));
    const contact = membersOf('ContactTermsRequest');
    expect(contact).toEqual(['channels', 'purposes', 'maxPerWeek']);
    const table = (title: string) => readme.slice(readme.indexOf(title));
    expect(options.filter((o) => !table('## Asking for a grant').includes(`| \`${o}\``))).toEqual([]);
    expect(contact.filter((m) => !table('`contact` members').includes(`| \`${m}\``))).toEqual([]);
  });

  it('names every purpose and every event type', () => {
    expect(purposeIds.filter((p) => !readme.includes(`\`${p}\``))).toEqual([]);
    expect(webhookEventTypes.filter((t) => !readme.includes(`case '${t}'`))).toEqual([]);
  });

  it('says how to install it, and how events are ordered', () => {
    expect(readme).toContain('npm install @kith/client');
    expect(readme).toMatch(/`sequence` numbers/);
    expect(readme).toMatch(/express\.raw\(/);
  });
});
