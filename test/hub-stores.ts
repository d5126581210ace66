// The city tests run on both of the hub's stores: SQLite (a temp file per hub) and PostgreSQL (a new database per
// hub in one cluster per test file).
import { afterAll, beforeAll } from 'vitest';
import type { StoreConfig } from '../city/hub.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/**
 * Call in a describe block: returns a function giving a fresh store of that kind for each hub (undefined for
 * SQLite: the hub fixture makes its own file). The PostgreSQL cluster starts before the block and stops after.
 */
export function freshStores(kind: StoreKind): () => Promise<StoreConfig | undefined> {
  let cluster: TestPostgres | null = null;
  if (kind === 'postgres') {
    beforeAll(async () => {
      cluster = await startPostgres();
    }, 60_000);
    afterAll(() => cluster?.stop());
  }
  return async () => {
    if (kind === 'sqlite') return undefined;
    if (!cluster) throw new Error('freshStores: the PostgreSQL cluster did not start');
    return { postgres: await cluster.createDatabase() };
  };
}
