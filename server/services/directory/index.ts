export { directoryView, setDirectoryConfig, directoryConnection, type DirectoryConnection } from './config';
export { testDirectoryConnection } from './test';
export { planDirectorySync, applyDirectorySync, isSyncRunning, type SyncOptions, type SyncProgress } from './sync';
export { checkDirectoryPassword, type PasswordCheck } from './password';
export { removeFactorsPastGrace, runScheduledSync, SCHEDULE_ACTOR } from './sweep';
export { usersInGroupWithoutFactor, directoryGroups, groupMembersWithoutFactor } from './groups';
