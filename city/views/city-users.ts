// City console users (argon2id password hashes, as the venue console's) and their sign-in sessions (random
// tokens, only a hash stored), in the hub's database beside its own tables — SQLite or PostgreSQL through the
// same Kysely queries. Its own migration table, so the module carries its schema with it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { CITY_ROLES, type CityRole, type CityUserView } from './types.ts';

type CityUsersTables = {
  city_users: {
    username: string;
    display_name: string;
    role: string;
    password_hash: string;
    created_at: number;
  };
  city_sessions: { token_hash: string; username: string; expires_at: number; last_seen: number };
};

const migrations: Record<string, Migration> = {
  '2026-12-06-city-users': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('city_users')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('city_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().references('city_users.username').onDelete('cascade'))
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

/** A supervisor signs in for a shift; the console's polling keeps the session alive. */
export const CITY_SESSION_POLICY = { absoluteMs: 12 * 3600_000, idleMs: 2 * 3600_000 };
const LAST_SEEN_GRANULARITY_MS = 60_000;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 10;

/** Why a user cannot be created as asked (the field and the reason). */
export class CityUserError extends Error {}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const isRole = (role: string): role is CityRole => (CITY_ROLES as readonly string[]).includes(role);

export class CityUsers {
  private constructor(private readonly db: Kysely<CityUsersTables>) {}

  /** Over the hub's database; creates the tables on first use. */
  static async open<DB>(hubDb: Kysely<DB>): Promise<CityUsers> {
    const db = hubDb.withTables<CityUsersTables>();
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'city_console_migration',
      migrationLockTableName: 'city_console_migration_lock',
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw new Error(`city users: migration failed: ${(error as Error).message}`, { cause: error });
    return new CityUsers(db as unknown as Kysely<CityUsersTables>);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('city_users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async create(input: { username: string; password: string; role: string; displayName?: string }) {
    if (!USERNAME.test(input.username))
      throw new CityUserError(`username: "${input.username}" must be 1–64 letters, digits, "_", "." or "-"`);
    if (!isRole(input.role)) throw new CityUserError(`role: "${input.role}" is not one of ${CITY_ROLES.join(', ')}`);
    if (input.password.length < MIN_PASSWORD_LENGTH)
      throw new CityUserError(`password: must be at least ${MIN_PASSWORD_LENGTH} characters`);
    const existing = await this.row(input.username);
    if (existing) throw new CityUserError(`username: "${input.username}" already exists`);
    await this.db
      .insertInto('city_users')
      .values({
        username: input.username,
        display_name: input.displayName ?? input.username,
        role: input.role,
        password_hash: await hash(input.password),
        created_at: Date.now(),
      })
      .execute();
  }

  /** The user for a username and password; the same null for an unknown user and a wrong password. */
  async authenticate(username: string, password: string): Promise<CityUserView | null> {
    const row = await this.row(username);
    // Hash anyway for an unknown user, so the answer time does not tell which usernames exist.
    if (!row) await hash(password);
    if (!row || !(await verify(row.password_hash, password))) return null;
    return toView(row);
  }

  async openSession(username: string, now = Date.now()): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + CITY_SESSION_POLICY.absoluteMs;
    await this.db.deleteFrom('city_sessions').where('expires_at', '<=', now).execute();
    await this.db
      .insertInto('city_sessions')
      .values({ token_hash: tokenHash(token), username, expires_at: expiresAt, last_seen: now })
      .execute();
    return { token, expiresAt };
  }

  /** The user a session token signs in, or null once it expired (absolute or idle) or was closed. */
  async sessionUser(token: string, now = Date.now()): Promise<CityUserView | null> {
    const key = tokenHash(token);
    const row = await this.db
      .selectFrom('city_sessions as s')
      .innerJoin('city_users as u', 'u.username', 's.username')
      .select(['u.username', 'u.display_name', 'u.role', 's.expires_at', 's.last_seen'])
      .where('s.token_hash', '=', key)
      .executeTakeFirst();
    if (!row) return null;
    if (now >= row.expires_at || now - row.last_seen >= CITY_SESSION_POLICY.idleMs) {
      await this.closeSession(token);
      return null;
    }
    if (now - row.last_seen >= LAST_SEEN_GRANULARITY_MS)
      await this.db.updateTable('city_sessions').set({ last_seen: now }).where('token_hash', '=', key).execute();
    return toView(row);
  }

  async closeSession(token: string): Promise<void> {
    await this.db.deleteFrom('city_sessions').where('token_hash', '=', tokenHash(token)).execute();
  }

  private row(username: string) {
    return this.db.selectFrom('city_users').selectAll().where('username', '=', username).executeTakeFirst();
  }
}

function toView(row: { username: string; display_name: string; role: string }): CityUserView {
  return {
    username: row.username,
    displayName: row.display_name,
    role: isRole(row.role) ? row.role : 'city-supervisor',
  };
}

export const BOOTSTRAP_CITY_ADMIN = 'admin';

/**
 * First start: a hub with no city users gets the city administrator `admin`, with the given password or a random
 * one written to `passwordFile` (owner-only; only its hash is stored: delete the file once noted). Returns what
 * was done, for the CLI to print (never the password).
 */
export async function ensureCityAdmin(
  users: CityUsers,
  options: { password?: string | undefined; passwordFile: string },
): Promise<string | null> {
  if ((await users.count()) > 0) return null;
  const password = options.password ?? randomBytes(12).toString('base64url');
  try {
    await users.create({ username: BOOTSTRAP_CITY_ADMIN, password, role: 'city-admin', displayName: '市级管理员' });
  } catch (err) {
    // Hub processes starting together over one database: one of them made the administrator.
    if ((await users.count()) > 0) return null;
    throw err;
  }
  if (options.password) return `city console: administrator "${BOOTSTRAP_CITY_ADMIN}" created with the given password`;
  mkdirSync(dirname(options.passwordFile), { recursive: true });
  writeFileSync(options.passwordFile, `${password}\n`, { mode: 0o600 });
  return `city console: administrator "${BOOTSTRAP_CITY_ADMIN}" created; its password is in ${options.passwordFile} (delete the file once noted)`;
}
