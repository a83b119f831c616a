export { DatabaseActivity, type StatementHook } from './activity';
export { CHANGES_CHANNEL, ChangeFeed, type Topic } from './cache/change-feed';
export { ReadCache } from './cache/read-cache';
export {
  type ChannelListener,
  createDatabase,
  type Database,
  type DatabaseOptions,
  type Db,
} from './database';
export { errorCodes } from './error-codes';
export * as schema from './schema';
export { type AbandonReason, detached, RequestScope, StatementCancelled } from './scope';
export * from './stores';
