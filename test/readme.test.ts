import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.ts';

const readme = readFileSync(`${repoRoot}README.md`, 'utf8');
// The options are defined in config-options.ts and read in config.ts: both name them.
const config = ['config-options.ts', 'config.ts']
  .map((file) => readFileSync(`${repoRoot}server/src/${file}`, 'utf8'))
  .join('\n');
const main = readFileSync(`${repoRoot}server/src/main.ts`, 'utf8');

describe('the README keeps up with the code', () => {
  it('documents every environment variable the server reads', () => {
    const variables = [...new Set(config.match(/KITH_[A-Z_]+/g))];
    expect(variables.length).toBeGreaterThan(10);
    expect(variables.filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
  });

  it('documents every CLI command', () => {
    const usage = main.slice(main.indexOf('Usage:'), main.indexOf('Configuration comes from'));
    const commands = [...new Set(usage.match(/kith [a-z]+(?: [a-z]+)?/g))].filter((c) => c !== 'kith serve');
    expect(commands.length).toBeGreaterThan(4);
    expect(commands.filter((c) => !readme.includes(`\`${c}`))).toEqual([]);
  });

  it('has the sections a self-hoster needs', () => {
    for (const section of ['## Deploy', '## Back up and restore', '## Monitor'])
      expect(readme).toContain(section);
  });

  it('gives the two commands: run and test', () => {
    // It ends in plain node, one process that gets the signals (not npx → sh → pnpm → node).
    expect(readme).toContain(
      'npx --yes pnpm@10.34.9 install && npx --yes pnpm@10.34.9 build && node server/dist/main.js serve',
    );
    expect(readme).toContain('npx --yes pnpm@10.34.9 install && npx --yes pnpm@10.34.9 test');
  });
});
