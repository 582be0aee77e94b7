import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_END, CONFIG_START, renderConfigTable } from '../server/scripts/config-docs.ts';
import { configOptions } from '../server/src/config-options.ts';
import { repoRoot } from './support/cli.ts';

const readme = readFileSync(`${repoRoot}README.md`, 'utf8');

describe('the configuration is documented once, beside each option', () => {
  it('describes every variable the server names', () => {
    const named = new Set<string>();
    for (const file of ['server/src/config.ts', 'server/src/main.ts']) {
      for (const [variable] of readFileSync(`${repoRoot}${file}`, 'utf8').matchAll(/KITH_[A-Z_]+/g))
        named.add(variable);
    }
    expect(named.size).toBeGreaterThan(15);
    expect([...named].filter((variable) => !Object.hasOwn(configOptions, variable))).toEqual([]);
    for (const option of Object.values(configOptions)) expect(option.description.length).toBeGreaterThan(10);
  });

  // If this fails, run: pnpm config:docs
  it('shows in the README exactly the table generated from config-options.ts', () => {
    const start = readme.indexOf(CONFIG_START);
    const end = readme.indexOf(CONFIG_END);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    // The formatter pads table columns; compare with runs of spaces and dashes collapsed.
    const collapse = (text: string) => text.replace(/ {2,}/g, ' ').replace(/-{3,}/g, '---');
    expect(collapse(readme.slice(start, end + CONFIG_END.length))).toBe(collapse(renderConfigTable()));
  });
});
