import { z } from 'zod';
import type { RestRoute } from './route';

type JsonSchema = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Fastify's /users/:username → OpenAPI's /users/{username}. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

function parameters(r: RestRoute): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', r.params],
    ['query', r.query],
  ] as const) {
    if (!schema) continue;
    const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

/** The OpenAPI 3.1 document of the REST API, generated from the same zod schemas the server validates with. */
export function buildOpenApiDocument(routes: readonly RestRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const op: JsonSchema = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      description: `Scopes: ${r.scopes.join(' or ')}`,
      security: [{ apiKey: [] }],
      parameters: parameters(r),
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, resp]) => [
          status,
          resp.schema
            ? { description: resp.description, content: { 'application/json': { schema: schemaOf(resp.schema, 'output') } } }
            : { description: resp.description },
        ]),
      ),
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } };
    (paths[openApiPath(r.path)] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tessera REST API',
      version,
      description: 'Verify one-time codes and provision users and factors. Every call needs `Authorization: Bearer tsk_…`.',
    },
    servers: [{ url: '/api/v1' }],
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'tsk_ API key' } } },
    paths,
  };
}
