import type { z } from 'zod';

/**
 * Checks form values with the SAME zod schema the server uses (from shared/).
 * Returns the parsed data, or one message per field (the first issue wins),
 * keyed by the field's top-level name.
 */
export function checkForm<S extends z.ZodType>(schema: S, values: unknown): { ok: true; data: z.output<S> } | { ok: false; errors: Record<string, string> } {
  const r = schema.safeParse(values);
  if (r.success) return { ok: true, data: r.data };
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : '_';
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}
