import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../../services/index';
import { placeholderPage } from '../placeholder';

/**
 * Serves the built console from `dir` (hashed assets cached, index.html never),
 * or, when it has not been built, a page that says how to build it. Returns
 * the fallback that serves index.html for the app's own paths (false: no console).
 */
export function registerConsole(app: FastifyInstance, _services: Services, dir: string | null): (reply: FastifyReply) => boolean {
  const index = dir ? path.join(dir, 'index.html') : null;
  if (!dir || !index || !fs.existsSync(index)) {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          placeholderPage(
            'Tessera',
            'The console has not been built. Run "npm start" (it builds it) or "npx vite build renderer". The REST API is running under /api/v1.',
          ),
        ),
    );
    return () => false;
  }
  const indexHtml = fs.readFileSync(index, 'utf8');
  const sendIndex = (reply: FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(indexHtml);
  void app.register(fastifyStatic, {
    root: path.join(dir, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    wildcard: true,
  });
  app.get('/', async (_req, reply) => sendIndex(reply));
  // The console is a single-page app: unknown GET paths get its index.html.
  return (reply) => {
    sendIndex(reply);
    return true;
  };
}
