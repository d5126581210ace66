// Opens the hub's database: a SQLite file on one machine (better-sqlite3) or PostgreSQL shared by several hub
// processes (pg pool). The same Kysely queries run on both.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type HubTables, migrate, type StoreDialect } from './schema.ts';

/** Where the hub keeps its data: a SQLite file (':memory:' for a throwaway hub) or a PostgreSQL URL. */
export type StoreConfig = { sqlite: string } | { postgres: string; poolSize?: number };

export interface OpenedDb {
  db: Kysely<HubTables>;
  dialect: StoreDialect;
}

const INT8 = 20;

export async function openHubDb(config: StoreConfig): Promise<OpenedDb> {
  if ('sqlite' in config) {
    if (config.sqlite !== ':memory:') mkdirSync(dirname(config.sqlite), { recursive: true });
    const database = new Database(config.sqlite);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<HubTables>({ dialect: new SqliteDialect({ database }) });
    await migrate(db, 'sqlite');
    return { db, dialect: 'sqlite' };
  }
  const pool = new pg.Pool({
    connectionString: config.postgres,
    max: config.poolSize ?? 10,
    // Seqs, times and batch ids are bigint columns: read them as numbers (all stay below 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<HubTables>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db, 'postgres');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect: 'postgres' };
}
