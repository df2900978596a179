#!/usr/bin/env node
// The installed `tessera` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../server/cli/main.ts');
await runCli();
