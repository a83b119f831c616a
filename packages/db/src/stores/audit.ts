import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../database';
import { auditEvents } from '../schema';

export type AuditEvent = typeof auditEvents.$inferInsert;

/**
 * Writes one audit row: the only code that inserts into `audit_events`, used by the audit store
 * and by core's grants (through the OAuth store). It takes a transaction as well as the database,
 * so a row that must commit together with a change can be written inside that transaction.
 */
export async function writeAudit(db: Db, event: AuditEvent) {
  await db.insert(auditEvents).values(event);
}

/** The audit log: written by the use cases, read by the user it is about. */
export function auditStore(db: Db) {
  return {
    write: (event: AuditEvent) => writeAudit(db, event),

    /** The user's audit log, newest first, paged by id (`before` is the last id of the previous page). */
    forUser(userId: string, limit: number, before?: number) {
      return db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.userId, userId), before ? lt(auditEvents.id, before) : undefined))
        .orderBy(desc(auditEvents.id))
        .limit(limit);
    },
  };
}
