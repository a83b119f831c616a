import type { Db } from '../database';
import { accountStore } from './accounts';
import { operationsStore } from './operations';
import { projectStore } from './projects';

export type { PersonalAccessToken, Session, User } from './accounts';
export type { AuditEvent, SigningKey } from './operations';
export type { Project, ProjectWithRole, Role } from './projects';

/** Every query HAL runs, grouped by concept; built once per database so prepared statements are reused. */
export function createStores(db: Db) {
  return { accounts: accountStore(db), projects: projectStore(db), ops: operationsStore(db) };
}

export type Stores = ReturnType<typeof createStores>;
