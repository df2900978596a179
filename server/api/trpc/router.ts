import { router } from './init';
import { apiKeysRouter } from './routers/apiKeys';
import { auditRouter } from './routers/audit';
import { authRouter } from './routers/auth';
import { dashboardRouter } from './routers/dashboard';
import { operatorsRouter } from './routers/operators';
import { settingsRouter } from './routers/settings';
import { systemRouter } from './routers/system';
import { usersRouter } from './routers/users';
import { jobsRouter } from './routers/jobs';
import { profileRouter } from './routers/profile';
import { directoryRouter } from './routers/directory';
import { radiusRouter } from './routers/radius';

/** The console's API. Role checks live in the procedure builders of init.ts. */
export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  dashboard: dashboardRouter,
  users: usersRouter,
  settings: settingsRouter,
  apiKeys: apiKeysRouter,
  operators: operatorsRouter,
  audit: auditRouter,
  jobs: jobsRouter,
  profile: profileRouter,
  directory: directoryRouter,
  radius: radiusRouter,
});

export type AppRouter = typeof appRouter;
