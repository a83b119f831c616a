import { timestamp } from 'drizzle-orm/pg-core';

export const tz = () => timestamp({ withTimezone: true, mode: 'date' });
export const createdAt = () => tz().notNull().defaultNow();
