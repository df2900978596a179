export { appRegistrationOptions, appVerifyRegistration, appAuthenticationOptions, appVerifyAuthentication, type AppCaller } from './applications';
export { listOperatorKeys, operatorRegistrationOptions, operatorVerifyRegistration, removeOperatorKey, MAX_OPERATOR_KEYS } from './operators';
export { consoleRelyingParty, getAppRelyingParty, setAppRelyingParty, requireAppRelyingParty, type RelyingParty } from './relyingParty';
export { sweepExpiredChallenges } from './sweep';
export { MAX_OPEN_CHALLENGES_PER_KEY } from './ceremony';
