// Operator sign-in, by concern: password and code steps (login), a security
// key as the second step (keySignIn), re-authentication (reauth), changing
// and resetting passwords (passwordChange, passwordReset), sessions,
// and what they share (gates, tickets, state). Functions over the service
// context; what is kept in memory between requests is ctx.operatorSignIn.
export { beginSetup, completeEnrollment, completeLogin, login } from './login';
export { completeWebauthnLogin, webauthnLoginOptions } from './keySignIn';
export { reauthenticate } from './reauth';
export { changeOwnPassword } from './passwordChange';
export { resetOperatorPassword, resetOperatorPasswordFromCli } from './passwordReset';
export { authenticateSession, logout, purgeSessions, SESSION_ABSOLUTE_MS, sessionTimes, type ConsoleSession, type SessionTimes } from './sessions';
export { sessionIdleMsFromEnv } from './sessionLimits';
export { OperatorSignIn, type RequestMeta } from './state';
