// The city tests run on both of the hub's stores: SQLite (a temp file per hub) and PostgreSQL (a new database per
// hub in one cluster per test file).
import { afterAll, beforeAll } from 'vitest';
import type { StoreConfig } from '../city/hub.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Call in a describe block (or a file): a PostgreSQL cluster for the block, and a new database in it per call. */
export function postgresDatabases(): () => Promise<string> {
  let cluster: TestPostgres | null = null;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());
  return () => {
    if (!cluster) throw new Error('postgresDatabases: the PostgreSQL cluster did not start');
    return cluster.createDatabase();
  };
}

/**
 * Call in a describe block: returns a function giving a fresh store of that kind for each hub (undefined for
 * SQLite: the hub fixture makes its own file).
 */
export function freshStores(kind: StoreKind): () => Promise<StoreConfig | undefined> {
  if (kind === 'sqlite') return async () => undefined;
  const nextDatabase = postgresDatabases();
  return async () => ({ postgres: await nextDatabase() });
}
