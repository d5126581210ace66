import type { Statement } from 'better-sqlite3';
import type { Db } from './database.ts';

/**
 * Returns a function that prepares each SQL text once and reuses the statement: preparing costs more than
 * running a small query, and hot paths (gate decisions, projections) run the same few queries all day.
 */
export function preparedCache(db: Db): (sql: string) => Statement {
  const cache = new Map<string, Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}
