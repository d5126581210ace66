// The hub's two stores as the city bench sees them from outside the hub: the config the hub opens, the bytes the
// data takes, and for PostgreSQL the server's own CPU and how many of its connections are busy.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { StoreConfig } from '../../city/hub.ts';
import { startPostgres } from '../../test/postgres.ts';
import { parentPid, treeCpuSeconds } from './processes.ts';

/** The hub's PostgreSQL pool: its default (city/store/open.ts), given here so the bench can say it. */
export const POOL_SIZE = 10;

export interface StoreUnderTest {
  name: string;
  config: StoreConfig;
  /** Bytes the hub's data takes (SQLite pages in use; the PostgreSQL database's size). */
  bytes(): Promise<number>;
  /** CPU seconds of the database server's processes (none for SQLite: it runs in the hub's thread). */
  serverCpuSeconds(): number | null;
  /** Connections running a statement right now (PostgreSQL only). */
  busyConnections(): Promise<number | null>;
  stop(): Promise<void>;
}

export function sqliteStore(dir: string): StoreUnderTest {
  const file = join(dir, 'hub.db');
  return {
    name: 'SQLite',
    config: { sqlite: file },
    async bytes() {
      // A reader sees every committed page, those still in the WAL included.
      const db = new Database(file, { readonly: true });
      try {
        const pages =
          Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }));
        return pages * Number(db.pragma('page_size', { simple: true }));
      } finally {
        db.close();
      }
    },
    serverCpuSeconds: () => null,
    busyConnections: async () => null,
    async stop() {},
  };
}

/**
 * A throwaway cluster (test/postgres.ts: fsync and synchronous commit off, as for tests) with a database for the
 * hub, and a connection of the bench's own to look at it.
 */
export async function postgresStore(): Promise<StoreUnderTest> {
  const cluster = await startPostgres();
  const url = await cluster.createDatabase();
  const probe = new pg.Client({ connectionString: url });
  await probe.connect();
  const backend = (await probe.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  // The postmaster is the parent of every backend.
  const postmaster = parentPid(backend);
  return {
    name: 'PostgreSQL',
    config: { postgres: url, poolSize: POOL_SIZE },
    async bytes() {
      const { rows } = await probe.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
      return Number(rows[0]!.bytes);
    },
    serverCpuSeconds: () => treeCpuSeconds(postmaster),
    async busyConnections() {
      const { rows } = await probe.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      return Number(rows[0]!.n);
    },
    async stop() {
      await probe.end();
      await cluster.stop();
    },
  };
}
