import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next-path.ts';

describe('safeNextPath', () => {
  it('keeps paths on this site', () => {
    for (const path of ['/', '/approve/grq_abc', '/vendors?x=1', '/approve/grq_1#top']) {
      expect(safeNextPath(path)).toBe(path);
    }
  });

  it('sends everything that could leave the site home', () => {
    for (const bad of [
      undefined,
      null,
      42,
      '',
      'approve',
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      '/\tevil',
      '/a\\b',
      'javascript:alert(1)',
      `/${'a'.repeat(600)}`,
    ]) {
      expect(safeNextPath(bad)).toBe('/');
    }
  });
});
