import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { blankCommentsAndTemplates, checkSource, listSourceFiles, packageName, parseImports } from './check-layers';

const ROOT = '/repo';
const check = (file: string, source: string) => checkSource(file, source, ROOT);
const specs = (source: string) => parseImports(source).map((r) => r.specifier);

describe('parseImports', () => {
  it('finds every import and export-from form with its line', () => {
    const src = [
      `import fs from 'node:fs';`,
      `import { a, type B } from "./a";`,
      `import type { C } from './c';`,
      `import * as ns from './ns';`,
      `import d, { e } from './d';`,
      `import './side-effect';`,
      `export * from './star';`,
      `export * as all from './all';`,
      `export { f } from './f';`,
      `export type { G } from './g';`,
      `const m = await import('./dynamic');`,
      `const r = require('./required');`,
      `import{h}from'./tight'`,
    ].join('\n');
    const refs = parseImports(src);
    expect(refs.map((r) => [r.specifier, r.line])).toEqual([
      ['node:fs', 1],
      ['./a', 2],
      ['./c', 3],
      ['./ns', 4],
      ['./d', 5],
      ['./side-effect', 6],
      ['./star', 7],
      ['./all', 8],
      ['./f', 9],
      ['./g', 10],
      ['./dynamic', 11],
      ['./required', 12],
      ['./tight', 13],
    ]);
    expect(refs.filter((r) => r.typeOnly).map((r) => r.specifier)).toEqual(['./c', './g']);
  });

  it('reports a multi-line import at the line of its keyword', () => {
    const src = ['// header', 'import {', '  a,', '  b,', "} from '../store/db';", 'const x = 1;'].join('\n');
    expect(parseImports(src)).toEqual([{ specifier: '../store/db', line: 2, typeOnly: false, kind: 'static' }]);
  });

  it('ignores comments, template literals and look-alikes', () => {
    const src = [
      `// import a from '../api/commented';`,
      `/* import b from '../api/block';`,
      `   export * from '../api/block2'; */`,
      'const fixture = `import c from "../api/template";`;',
      'const nested = `${`import d from "../api/nested"`}`;',
      `export const from = 'x';`,
      `const o = { from: '../api/key' };`,
      `obj.import('../api/method');`,
      `const url = 'http://example.org'; import e from './real';`,
    ].join('\n');
    expect(specs(src)).toEqual(['./real']);
    expect(parseImports(src)[0]!.line).toBe(9);
  });

  it('keeps offsets and line numbers when blanking', () => {
    const src = 'a /* x\ny */ b `t\n${c}\nu` d // e\nf';
    const out = blankCommentsAndTemplates(src);
    expect(out.length).toBe(src.length);
    expect(out.split('\n').length).toBe(src.split('\n').length);
    expect(out).toContain('{c}'.slice(1, 2)); // the expression inside ${} is code and stays
    expect(out).not.toMatch(/[xtue]/);
  });
});

describe('packageName', () => {
  it('takes the package of a deep import', () => {
    expect(packageName('@noble/hashes/sha2')).toBe('@noble/hashes');
    expect(packageName('otplib/functional')).toBe('otplib');
    expect(packageName('zod')).toBe('zod');
  });
});

describe('checkSource: server/core', () => {
  it('allows core, shared, node builtins and the crypto/otp packages', () => {
    const src = [
      `import { x } from '../random';`,
      `import { TesseraError } from '../../../shared/errors';`,
      `import { createHash } from 'node:crypto';`,
      `import { Buffer } from 'buffer';`,
      `import { generateSync } from 'otplib';`,
      `import { x as y } from '@otplib/core';`,
      `import { sha256 } from '@noble/hashes/sha2';`,
      `import { base32 } from '@scure/base';`,
    ].join('\n');
    expect(check('server/core/otp/totp.ts', src)).toEqual([]);
  });

  it('flags outer layers and other packages with file:line', () => {
    const src = [
      `import { Store } from '../store/index';`,
      `import type { Services } from '../services';`,
      `import { http } from '../api/http';`,
      `import { run } from '../cli/main';`,
      `import { dbPath } from '../runtime/dataDir';`,
      `import { VERSION } from '../version';`,
      `import Fastify from 'fastify';`,
      `import { z } from 'zod';`,
    ].join('\n');
    const v = check('server/core/thing.ts', src);
    expect(v.map((x) => `${x.file}:${x.line}`)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `server/core/thing.ts:${n}`));
    expect(v[0]!.message).toMatch(/server\/store/);
    expect(v[6]!.message).toMatch(/'fastify'/);
  });

  it('lets core tests use the test packages, but only tests', () => {
    const src = `import { it } from 'vitest';\nimport fc from 'fast-check';`;
    expect(check('server/core/otp/totp.test.ts', src)).toEqual([]);
    expect(check('server/core/otp/totp.ts', src)).toHaveLength(2);
  });
});

describe('checkSource: store and services', () => {
  it('store may import core and shared but not services, api or cli', () => {
    expect(check('server/store/db.ts', `import { a } from '../core/random';\nimport Database from 'better-sqlite3';`)).toEqual([]);
    const v = check(
      'server/store/repos/users.ts',
      [`import { s } from '../../services/users';`, `import { r } from '../../api/http';`, `import { c } from '../../cli/main';`].join('\n'),
    );
    expect(v.map((x) => x.line)).toEqual([1, 2, 3]);
  });

  it('services may import store and core but not api or cli', () => {
    expect(check('server/services/verify.ts', `import { Store } from '../store/index';\nimport { x } from '../core/otp/totp';`)).toEqual([]);
    const v = check('server/services/verify.ts', `import { appRouter } from '../api/trpc/router';\nexport { main } from '../cli/main';`);
    expect(v.map((x) => x.line)).toEqual([1, 2]);
  });

  it('api and cli may import services, core and shared below them', () => {
    expect(
      check('server/api/http.ts', `import { s } from '../services/index';\nimport { x } from '../core/otp/totp';\nimport { E } from '../../shared/errors';`),
    ).toEqual([]);
    expect(check('server/cli/commands/init.ts', `import { s } from '../../services/system';`)).toEqual([]);
  });

  it('api and cli never import the store, not even a row type; their tests may', () => {
    const src = [
      `import { Store } from '../../store/index';`,
      `import type { OperatorRow } from '../../store/index';`,
      `import { Db } from '../../store/db';`,
      `const m = await import('../../store/repos/users');`,
    ].join('\n');
    const v = check('server/api/console/session.ts', src);
    expect(v.map((x) => x.line)).toEqual([1, 2, 3, 4]);
    expect(v[0]!.message).toMatch(/server\/api calls services, never the store/);
    expect(v[1]!.message).toMatch(/a type too/);
    expect(check('server/cli/commands/init.ts', `import { Store } from '../../store/index';`)).toHaveLength(1);
    expect(check('server/api/rest.invariants.test.ts', `import type { AuditRow } from '../store/index';`)).toEqual([]);
  });

  it('only server/store reaches the SQLite connection; its testing helper is for tests', () => {
    expect(check('server/store/repos/users.ts', `import { sqliteOf } from '../connection';`)).toEqual([]);
    expect(check('server/store/testing.ts', `import { sqliteOf } from './connection';`)).toEqual([]);
    for (const file of ['server/services/apiKeys.ts', 'server/services/apiKeys.test.ts', 'server/testing/harness.ts', 'bench/verify.ts']) {
      const rel = file
        .split('/')
        .slice(0, -1)
        .map(() => '..')
        .join('/');
      expect(check(file, `import { sqliteOf } from '${rel}/server/store/connection';`), file).toHaveLength(1);
    }
    expect(check('server/api/rest.invariants.test.ts', `import { rawSqlite } from '../store/testing';`)).toEqual([]);
    expect(check('server/testing/harness.ts', `import { rawSqlite } from '../store/testing';`)).toEqual([]);
    const v = check('server/services/apiKeys.ts', `import { rawSqlite } from '../store/testing';`);
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/tests only/);
  });
});

describe('checkSource: core purity', () => {
  it('the tree check finds the core sources it keeps pure', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    expect(listSourceFiles(root).filter((f) => f.startsWith('server/core/') && !f.endsWith('.test.ts')).length).toBeGreaterThan(15);
  });

  it('core sources do no I/O; their tests may', () => {
    const io = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'http', 'https', 'child_process', 'dgram', 'dns', 'tls', 'node:worker_threads'];
    for (const m of io) {
      const v = check('server/core/otp/totp.ts', `import x from '${m}';`);
      expect(v, m).toHaveLength(1);
      expect(v[0]!.message).toMatch(/does no I\/O/);
      expect(check('server/core/otp/totp.test.ts', `import x from '${m}';`), m).toEqual([]);
    }
    expect(check('server/core/otp/totp.ts', `import { createHash } from 'node:crypto';`)).toEqual([]);
  });

  it('core sources read no clock, randomness or environment, even in a comment; their tests may', () => {
    const src = [
      `const a = 1;`,
      `const t = Date.now();`,
      `const d = new Date();`,
      `// performance.now() is ambient too`,
      `const e = process.env.X;`,
      `const r = Math.random();`,
      `const ok = new Date(ms);`,
    ].join('\n');
    const v = check('server/core/thing.ts', src);
    expect(v.map((x) => [x.line, x.specifier])).toEqual([
      [2, 'Date.now('],
      [3, 'new Date()'],
      [4, 'performance.now('],
      [5, 'process.env'],
      [6, 'Math.random('],
    ]);
    expect(check('server/core/thing.test.ts', src)).toEqual([]);
  });

  it('core imports carry no file extension', () => {
    const v = check('server/core/otp/totp.ts', `import { a } from './hotp.ts';\nimport { b } from './hotp.js';\nimport { c } from './hotp';`);
    expect(v.map((x) => x.line)).toEqual([1, 2]);
  });
});

describe('checkSource: renderer', () => {
  it('allows import type of the AppRouter, shared/ and packages', () => {
    const src = [
      `import type { AppRouter } from '../../server/api/trpc/router';`,
      `import type { AppRouter as R } from '../../server/api/trpc/router.ts';`,
      `import { userSchema } from '../../shared/schemas/users';`,
      `import { createTRPCClient } from '@trpc/client';`,
      `import React from 'react';`,
    ].join('\n');
    expect(check('renderer/api/client.ts', src)).toEqual([]);
  });

  it('flags a value import of the router, any other server import and node builtins', () => {
    const src = [
      `import { appRouter } from '../../server/api/trpc/router';`,
      `import { type AppRouter } from '../../server/api/trpc/router';`,
      `import type { Services } from '../../server/services';`,
      `import fs from 'node:fs';`,
      `import path from 'path';`,
    ].join('\n');
    const v = check('renderer/api/client.ts', src);
    expect(v.map((x) => x.line)).toEqual([1, 2, 3, 4, 5]);
    expect(v[0]!.message).toMatch(/import type/);
  });

  it('lets the renderer build config and tests use node builtins, but not server code', () => {
    expect(check('renderer/vite.config.ts', `import { fileURLToPath } from 'node:url';`)).toEqual([]);
    expect(check('renderer/src/lib/format.test.ts', `import fs from 'node:fs';`)).toEqual([]);
    expect(check('renderer/vite.config.ts', `import { x } from '../server/main';`)).toHaveLength(1);
    expect(check('renderer/src/lib/format.ts', `import fs from 'node:fs';`)).toHaveLength(1);
  });
});

describe('checkSource: shared and the outside world', () => {
  it('shared/ imports only zod and shared/', () => {
    expect(check('shared/schemas/users.ts', `import { z } from 'zod';\nimport { text } from './text';\nimport { E } from '../errors';`)).toEqual([]);
    const v = check(
      'shared/schemas/users.ts',
      [`import { z } from 'zod/v4';`, `import { x } from '../../server/core/random';`, `import fs from 'node:fs';`, `import { y } from 'otplib';`].join('\n'),
    );
    // zod/v4 is zod; the other three are not allowed
    expect(v.map((x) => x.line)).toEqual([2, 3, 4]);
  });

  it('flags any import that resolves outside the repository, from any folder', () => {
    const src = [`import a from '/work/shared/API';`, `import b from '../../../shared/x';`, `import c from '../../shared/x';`].join('\n');
    const v = check('bench/lib/http.ts', src);
    // bench/lib/../../../shared is outside /repo; bench/lib/../../shared is /repo/shared, inside
    expect(v.map((x) => x.line)).toEqual([1, 2]);
    expect(v[0]!.message).toMatch(/outside the repository/);
    expect(check('server/main.ts', `import x from '../../shared/errors';`)).toHaveLength(1);
    expect(check('server/main.ts', `import x from '../shared/errors';`)).toEqual([]);
  });

  it('leaves unconstrained folders alone', () => {
    expect(check('e2e/smoke.spec.ts', `import { test } from '@playwright/test';\nimport { startTessera } from '../server/main';`)).toEqual([]);
    expect(check('electron/main.ts', `import { startTessera } from '../server/main';`)).toEqual([]);
  });
});
