import fs from 'node:fs';
import { createRequire } from 'node:module';
import { TesseraError } from '../../../shared/errors';

/**
 * The two files of the `swagger-ui-dist` package the /api-docs page loads,
 * read from node_modules (no CDN: the page works offline). Resolved through
 * Node's module lookup from this file, so it works from the sources (tsx),
 * from `tessera serve`, and from the desktop app's bundle
 * (dist-electron/main.js inside app.asar, whose node_modules carries these
 * two files: build/electron-builder.yml leaves the package's other builds
 * and source maps out).
 */
export const SWAGGER_UI_FILES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
} as const;

export type SwaggerUiFile = keyof typeof SWAGGER_UI_FILES;

const require = createRequire(import.meta.url);
const cache = new Map<SwaggerUiFile, Buffer>();

/** Where `name` is on disk (throws when the package is missing). */
export function swaggerUiPath(name: SwaggerUiFile): string {
  return require.resolve(`swagger-ui-dist/${name}`);
}

/** The file's bytes, read once (1.7 MB for the bundle) on first use, so a server that never shows the page never reads it. */
export function readSwaggerUiFile(name: SwaggerUiFile): Buffer {
  let body = cache.get(name);
  if (!body) {
    try {
      body = fs.readFileSync(swaggerUiPath(name));
    } catch {
      throw new TesseraError('internal', `The API docs page's ${name} (package swagger-ui-dist) is missing from this installation; reinstall Tessera`);
    }
    cache.set(name, body);
  }
  return body;
}
