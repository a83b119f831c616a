export {
  type ChannelListener,
  createDatabase,
  type Database,
  type DatabaseOptions,
  type Db,
} from './database';
export * as schema from './schema';
export * from './stores';
