import type { Page, Route } from '@playwright/test';

/**
 * Makes one tRPC procedure fail as a crashed server would (500,
 * INTERNAL_SERVER_ERROR) while every other call goes through. The console's
 * client batches the queries a page starts together
 * (`/trpc/auth.session,apiKeys.list?batch=1…`), so the fault is put into
 * whichever batch holds the procedure: the real answer is fetched and only
 * that procedure's entry is replaced. Returns the function that lifts it.
 */
export async function failProcedure(page: Page, procedure: string): Promise<() => Promise<void>> {
  const matches = (url: URL) => url.pathname.startsWith('/trpc/') && url.pathname.slice('/trpc/'.length).split(',').includes(procedure);
  const error = {
    error: {
      message: 'Tessera hit an internal error; the details are in its log',
      code: -32603,
      data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 },
    },
  };
  const handler = async (route: Route) => {
    const url = new URL(route.request().url());
    const names = url.pathname.slice('/trpc/'.length).split(',');
    if (names.length === 1) {
      await route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify([error]) });
      return;
    }
    const real = await route.fetch();
    const answers = (await real.json()) as unknown[];
    const mixed = names.map((name, i) => (name === procedure ? error : answers[i]));
    // tRPC answers a batch with mixed outcomes 207 Multi-Status; the client reads each entry on its own.
    await route.fulfill({ status: 207, contentType: 'application/json', body: JSON.stringify(mixed) });
  };
  await page.route(matches, handler);
  return () => page.unroute(matches, handler);
}
