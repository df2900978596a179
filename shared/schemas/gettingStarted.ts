import { z } from 'zod';

/**
 * The dashboard's getting-started checklist (issue 18): each step of a new install, in the order an
 * administrator does them, with whether the data says it is done. The server decides "done"; the
 * console only shows it and links to where each step is done.
 */
export const GETTING_STARTED_STEPS = ['issuer', 'methods', 'users', 'bulkUsers', 'apiClient', 'firstVerify'] as const;
export const GettingStartedStep = z.enum(GETTING_STARTED_STEPS);
export type GettingStartedStep = z.infer<typeof GettingStartedStep>;

export const GettingStarted = z.object({
  steps: z.array(z.object({ step: GettingStartedStep, done: z.boolean() })),
  /** Whether every step is done (the console then shows no checklist). */
  complete: z.boolean(),
});
export type GettingStarted = z.infer<typeof GettingStarted>;
