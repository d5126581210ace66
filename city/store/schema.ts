// The hub's tables, one schema for SQLite and PostgreSQL, created by Kysely's migrator (run once per database:
// several hub processes starting together over one PostgreSQL take the migrator's lock in turn).
import { type Generated, type Kysely, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';

export type StoreDialect = 'sqlite' | 'postgres';

export interface VenuesTable {
  id: string;
  public_key: string;
  key_id: string;
  head_seq: Generated<number>;
  head_hash: string;
  // What the hub did with the venue's uploads (all hub processes together).
  batches: Generated<number>;
  accepted: Generated<number>;
  duplicate_events: Generated<number>;
  gaps: Generated<number>;
  rejected: Generated<number>;
}

export interface BatchesTable {
  id: Generated<number>;
  venue: string;
  first_seq: number;
  last_seq: number;
  prev_hash: string;
  last_hash: string;
  key_id: string;
  signature: string;
  received_at: number;
  stored: number;
  suite: string | null;
}

export interface EventsTable {
  venue: string;
  seq: number;
  prev_hash: string;
  hash: string;
  at: number;
  type: string;
  /** The view as received (canonical JSON: at, type, session, subject, actor, method, body). */
  view: string;
  body_digest: string;
  batch: number;
  received_at: number;
}

export interface CheckpointsTable {
  venue: string;
  size: number;
  root: string;
  head_hash: string;
  at: number;
  key_id: string;
  signature: string;
  receipt: string;
  suite: string;
}

export interface HubTables {
  venues: VenuesTable;
  checkpoint_keys: { venue: string; public_key: string; key_id: string };
  enrol_tokens: { venue: string; token: string };
  batches: BatchesTable;
  events: EventsTable;
  downlink: { venue: string; seq: number; envelope: string };
  checkpoints: CheckpointsTable;
}

function migrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '2026-12-06-hub': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('venues')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('head_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('head_hash', 'text', (c) => c.notNull())
          .addColumn('batches', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('accepted', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('duplicate_events', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('gaps', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('rejected', 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('checkpoint_keys')
          .addColumn('venue', 'text', (c) => c.primaryKey())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('enrol_tokens')
          .addColumn('venue', 'text', (c) => c.primaryKey())
          .addColumn('token', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('batches')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('venue', 'text', (c) => c.notNull())
          .addColumn('first_seq', 'bigint', (c) => c.notNull())
          .addColumn('last_seq', 'bigint', (c) => c.notNull())
          .addColumn('prev_hash', 'text', (c) => c.notNull())
          .addColumn('last_hash', 'text', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('signature', 'text', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('stored', 'integer', (c) => c.notNull())
          .addColumn('suite', 'text')
          .execute();
        await db.schema.createIndex('batches_venue').on('batches').columns(['venue', 'id']).execute();
        await db.schema
          .createTable('events')
          .addColumn('venue', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('prev_hash', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('view', 'text', (c) => c.notNull())
          .addColumn('body_digest', 'text', (c) => c.notNull())
          .addColumn('batch', 'bigint', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('events_pk', ['venue', 'seq'])
          .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
          .execute();
        await db.schema.createIndex('events_received').on('events').column('received_at').execute();
        await db.schema
          .createTable('downlink')
          .addColumn('venue', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('envelope', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('downlink_pk', ['venue', 'seq'])
          .execute();
        await db.schema
          .createTable('checkpoints')
          .addColumn('venue', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('root', 'text', (c) => c.notNull())
          .addColumn('head_hash', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('key_id', 'text', (c) => c.notNull())
          .addColumn('signature', 'text', (c) => c.notNull())
          .addColumn('receipt', 'text', (c) => c.notNull())
          .addColumn('suite', 'text', (c) => c.notNull().defaultTo('ed25519-sha256'))
          .addPrimaryKeyConstraint('checkpoints_pk', ['venue', 'size'])
          .execute();
      },
    },
  };
}

/** Brings the database to the current schema; fails with the migrator's error (naming the migration). */
export async function migrate(db: Kysely<HubTables>, dialect: StoreDialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'the migrator';
    throw new Error(`city store: migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}
