import { type Db, migrate } from '../../edge/store/database.ts';

const migrations = [
  {
    version: 1,
    sql: `CREATE TABLE expert_names (
      pseudonym TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
  },
];

/** Anything that can tell an expert's real name from their pseudonym. */
export interface NameLookup {
  nameOf(pseudonym: string): string | null;
}

/**
 * Expert names (confidential until the result is final), kept in this venue only and never in the event log,
 * so they never go upstream. Filled by an administrator (or the check-in chip read) and read only through
 * `redact.ts`, which hands them to the roles allowed to see them.
 */
export class ExpertNames implements NameLookup {
  constructor(private readonly db: Db) {
    migrate(db, 'expert-names', migrations);
  }

  set(pseudonym: string, name: string, source: string): void {
    this.db
      .prepare(
        `INSERT INTO expert_names (pseudonym, name, source, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (pseudonym) DO UPDATE SET name = excluded.name, source = excluded.source,
           updated_at = excluded.updated_at`,
      )
      .run(pseudonym, name, source, Date.now());
  }

  nameOf(pseudonym: string): string | null {
    const row = this.db.prepare('SELECT name FROM expert_names WHERE pseudonym = ?').get(pseudonym) as
      | { name: string }
      | undefined;
    return row?.name ?? null;
  }
}
