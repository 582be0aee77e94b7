#!/usr/bin/env node
// The `kith` command: runs the TypeScript CLI through tsx, so the server needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
