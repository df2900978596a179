/**
 * Layer check, the one rule book: fails when an import breaks the dependency
 * direction of docs/ARCHITECTURE.md (api → services → core + store; api and cli call
 * services and never import the store, not even a type; core imports nothing
 * of ours; the renderer reaches the server only through the AppRouter type;
 * shared/ is the wire contract and imports only zod and libphonenumber-js), when a module outside
 * server/store reaches the SQLite connection, or when server/core is not pure
 * (no I/O module, no ambient clock, randomness or environment, no file
 * extension in an import).
 *
 *   npx tsx build/check-layers.ts [ROOT]
 *
 * Prints `file:line: message` for each offending import and exits 1, or
 * prints a one-line summary and exits 0. Imports are found with regular
 * expressions over .ts/.tsx/.mts/.cts files, after comments and template
 * literals are blanked out (so example code in strings of a test file is not
 * taken for an import).
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface ImportRef {
  specifier: string;
  /** 1-based line of the `import`/`export`/`require` keyword. */
  line: number;
  /** `import type …` / `export type …`: erased at compile time. */
  typeOnly: boolean;
  kind: 'static' | 'side-effect' | 'dynamic' | 'require';
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  message: string;
}

const SOURCE_EXT = /\.(ts|tsx|mts|cts)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'dist-electron', 'coverage', 'artifacts', 'test-results', 'playwright-report']);
/** Packages a test file may import on top of its layer's own. */
const TEST_PACKAGES = ['vitest', 'fast-check', '@playwright/test'];
const TEST_FILE = /\.(test|spec)\.(ts|tsx|mts|cts)$/;
/** Build-tool configs (vite.config.ts, …) run in Node, not in the renderer. */
const CONFIG_FILE = /(^|\/)[\w.-]+\.config\.(ts|mts|cts)$/;
const CORE_PACKAGES = ['otplib', '@otplib/*', '@noble/*', '@scure/*', 'unhomoglyph'];
/** libphonenumber-js: phone numbers are parsed by the same rules in the console and on the server (shared/schemas/phone.ts). */
const SHARED_PACKAGES = ['zod', 'libphonenumber-js'];
const ROUTER_MODULE = 'server/api/trpc/router';
/** The raw SQLite connection: server/store's own (Db.sqlite is private; the repositories get it here). */
const CONNECTION_MODULE = 'server/store/connection';
/** Raw SQL for tests (what no service offers: the stored bytes, a tampered row). */
const STORE_TESTING_MODULE = 'server/store/testing';
/** Node modules that do I/O: server/core (its sources, not its tests) imports none. */
const CORE_IO_BUILTINS = /^(node:)?(fs|fs\/promises|net|http|https|child_process|dgram|dns|tls|worker_threads)$/;
/** Ambient clock, randomness and environment: server/core gets them passed in. */
const CORE_AMBIENT = /Date\.now\(|new Date\(\)|performance\.now\(|process\.env|Math\.random\(/g;

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Replaces comments and template literals with spaces (newlines kept, so
 * offsets and line numbers still match the original). Quoted strings stay:
 * module specifiers are quoted strings.
 */
export function blankCommentsAndTemplates(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  // Depth of `${` … `}` inside template literals, to find where a template resumes.
  const templateStack: number[] = [];
  let braceDepth = 0;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      const end = src.indexOf('\n', i);
      const stop = end === -1 ? src.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      i = j + 1;
    } else if (c === '`' || (c === '}' && templateStack.length > 0 && templateStack[templateStack.length - 1] === braceDepth)) {
      // Template text runs from here to the closing backtick or the next `${`.
      if (c === '}') templateStack.pop();
      let j = i + 1;
      while (j < src.length && src[j] !== '`' && !(src[j] === '$' && src[j + 1] === '{')) j += src[j] === '\\' ? 2 : 1;
      blank(i, Math.min(j + (src[j] === '`' ? 1 : 2), src.length));
      if (src[j] === '$') {
        templateStack.push(braceDepth);
        i = j + 2;
      } else {
        i = j + 1;
      }
    } else {
      if (c === '{') braceDepth++;
      else if (c === '}') braceDepth--;
      i++;
    }
  }
  return out.join('');
}

function lineAt(src: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset; k++) if (src.charCodeAt(k) === 10) line++;
  return line;
}

/** Every import/export-from, side-effect import, dynamic import() and require() with a literal specifier. */
export function parseImports(source: string): ImportRef[] {
  const src = blankCommentsAndTemplates(source);
  const refs: ImportRef[] = [];
  const patterns: Array<{ re: RegExp; kind: ImportRef['kind'] }> = [
    // import x from 'm'; import x, { a, type b } from "m"; import type T from 'm'; import * as ns from 'm';
    // export * from 'm'; export * as ns from 'm'; export type { a } from 'm'
    {
      re: /(?<![\w$.\-'"`])(import|export)(\s+type(?=[\s{*]))?\s*(?:[\w$]+\s*,?\s*)?(?:\*\s*(?:as\s+[\w$]+\s*)?|\{[^{}]*\}\s*)?from\s*(['"])([^'"\s]+)\3/g,
      kind: 'static',
    },
    // import 'm'
    { re: /(?<![\w$.\-'"`])(import)()\s*(['"])([^'"\s]+)\3/g, kind: 'side-effect' },
    // import('m')
    { re: /(?<![\w$.\-'"`])(import)()\s*\(\s*(['"])([^'"\s]+)\3\s*[,)]/g, kind: 'dynamic' },
    // require('m'), import x = require('m')
    { re: /(?<![\w$.\-'"`])(require)()\s*\(\s*(['"])([^'"\s]+)\3\s*\)/g, kind: 'require' },
  ];
  for (const { re, kind } of patterns) {
    for (const m of src.matchAll(re)) {
      refs.push({ specifier: m[4]!, line: lineAt(src, m.index), typeOnly: Boolean(m[2]), kind });
    }
  }
  return refs.sort((a, b) => a.line - b.line);
}

function isRelativeOrAbsolute(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || path.isAbsolute(spec);
}

/** `@scope/name/deep` → `@scope/name`, `name/deep` → `name`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function packageAllowed(spec: string, allowed: readonly string[]): boolean {
  const name = packageName(spec);
  return allowed.some((a) => (a.endsWith('/*') ? name.startsWith(a.slice(0, -1)) : name === a));
}

function under(rel: string, dir: string): boolean {
  return rel === dir || rel.startsWith(`${dir}/`) || rel.startsWith(`${dir}.`);
}

/** Strips a source extension so `router.ts`, `router.js` and `router` compare equal. */
function stripExt(rel: string): string {
  return rel.replace(/\.(d\.ts|ts|tsx|mts|cts|js|mjs|cjs|jsx)$/, '');
}

/**
 * The violations in one file. `file` is the path relative to the repo root,
 * with forward slashes; `root` is used to resolve relative specifiers.
 */
export function checkSource(file: string, source: string, root = '/repo'): Violation[] {
  const rel = file.split(path.sep).join('/');
  const isTest = TEST_FILE.test(rel);
  const violations: Violation[] = [];
  const flag = (ref: Pick<ImportRef, 'line' | 'specifier'>, message: string) =>
    violations.push({ file: rel, line: ref.line, specifier: ref.specifier, message });

  if (under(rel, 'server/core') && !isTest) {
    // Over the text as written (comments too): the rule is simple to state and to keep.
    for (const m of source.matchAll(CORE_AMBIENT)) {
      flag(
        { line: lineAt(source, m.index), specifier: m[0] },
        `server/core reads no clock, randomness or environment of its own ('${m[0]}'); take it as a parameter`,
      );
    }
  }

  for (const ref of parseImports(source)) {
    const spec = ref.specifier;
    let target: string | null = null; // repo-relative path of the imported module, or null for a package
    if (isRelativeOrAbsolute(spec)) {
      const abs = path.isAbsolute(spec) ? path.normalize(spec) : path.resolve(root, path.dirname(rel), spec);
      const fromRoot = path.relative(root, abs);
      if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
        flag(ref, `imports '${spec}', outside the repository (${abs}); copy what you need into the repo`);
        continue;
      }
      target = fromRoot.split(path.sep).join('/');
    }
    const isBuiltin = target === null && BUILTINS.has(spec);
    const testPackage = isTest && target === null && packageAllowed(spec, TEST_PACKAGES);

    if (target !== null && !under(rel, 'server/store')) {
      const module = stripExt(target);
      if (module === CONNECTION_MODULE) {
        flag(ref, `only server/store runs SQL: '${spec}' is the store's own connection; add what you need to Db or a repository`);
      } else if (module === STORE_TESTING_MODULE && !isTest && !under(rel, 'server/testing')) {
        flag(ref, `'${spec}' is raw SQL for tests only (test files and server/testing)`);
      }
    }

    if (under(rel, 'server/core')) {
      if (target !== null) {
        if (!under(target, 'server/core') && !under(target, 'shared')) {
          flag(ref, `server/core imports nothing of ours but core and shared/; '${spec}' is ${target}`);
        }
      } else if (!isBuiltin && !testPackage && !packageAllowed(spec, CORE_PACKAGES)) {
        flag(ref, `server/core may import only node builtins, ${CORE_PACKAGES.join(', ')}; not '${spec}'`);
      } else if (!isTest && CORE_IO_BUILTINS.test(spec)) {
        flag(ref, `server/core does no I/O: not '${spec}' (the caller reads and writes, core computes)`);
      }
      if (!isTest && /\.(ts|js)$/.test(spec)) flag(ref, `server/core imports without a file extension: '${spec}'`);
    } else if (under(rel, 'server/api') || under(rel, 'server/cli')) {
      // Tests may look at what was stored; the layer itself asks services.
      if (target !== null && under(target, 'server/store') && !isTest) {
        const layer = under(rel, 'server/api') ? 'server/api' : 'server/cli';
        flag(ref, `${layer} calls services, never the store: '${spec}' is ${target}${ref.typeOnly ? ' (a type too: take it from services or shared/)' : ''}`);
      }
    } else if (under(rel, 'server/store')) {
      for (const layer of ['server/services', 'server/api', 'server/cli']) {
        if (target !== null && under(target, layer)) flag(ref, `server/store must not import from ${layer} ('${spec}')`);
      }
    } else if (under(rel, 'server/services')) {
      for (const layer of ['server/api', 'server/cli']) {
        if (target !== null && under(target, layer)) flag(ref, `server/services must not import from ${layer} ('${spec}')`);
      }
    } else if (under(rel, 'renderer')) {
      if (target !== null && under(target, 'server')) {
        const isRouter = stripExt(target) === ROUTER_MODULE;
        if (!isRouter) flag(ref, `renderer must not import from server/ ('${spec}'); use the tRPC client and shared/`);
        else if (!ref.typeOnly) flag(ref, `renderer may import the server's router only as \`import type { AppRouter }\` ('${spec}')`);
      } else if (isBuiltin && !isTest && !CONFIG_FILE.test(rel)) {
        // The console runs in a sandboxed renderer: no Node. (Its unit tests and build config run under Node.)
        flag(ref, `renderer must not import node builtins ('${spec}')`);
      }
    } else if (under(rel, 'shared')) {
      if (target !== null) {
        if (!under(target, 'shared')) flag(ref, `shared/ imports only shared/ and zod; not '${spec}' (${target})`);
      } else if (!testPackage && !packageAllowed(spec, SHARED_PACKAGES)) {
        flag(ref, `shared/ imports only shared/ and zod; not '${spec}'`);
      }
    }
  }
  return violations;
}

/** Source files under root, repo-relative with forward slashes, sorted. */
export function listSourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && SOURCE_EXT.test(entry.name)) files.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return files.sort();
}

export function checkTree(root: string): { files: number; imports: number; violations: Violation[] } {
  let imports = 0;
  const violations: Violation[] = [];
  const files = listSourceFiles(root);
  for (const file of files) {
    const source = fs.readFileSync(path.join(root, file), 'utf8');
    imports += parseImports(source).length;
    violations.push(...checkSource(file, source, root));
  }
  return { files: files.length, imports, violations };
}

function main(): void {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const { files, imports, violations } = checkTree(root);
  if (violations.length > 0) {
    for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
    console.error(`check-layers: ${violations.length} import(s) break the dependency direction of docs/ARCHITECTURE.md`);
    process.exit(1);
  }
  console.log(`check-layers: ${files} files, ${imports} imports, dependency direction OK`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
