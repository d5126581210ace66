import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { DomainError } from '../../edge/domain-error.ts';
import { type Db, migrate } from '../../edge/store/database.ts';
import type { EventLog } from '../../edge/store/event-log.ts';
import { type ConsoleUser, parseRole, type Role } from './roles.ts';

const migrations = [
  {
    version: 1,
    sql: `CREATE TABLE auth_users (
      id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, role TEXT NOT NULL,
      password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL);
    -- Only a hash of each session token is kept: a copied database does not let anyone sign in.
    CREATE TABLE auth_sessions (
      token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);
    CREATE INDEX auth_sessions_user ON auth_sessions (user_id);`,
  },
];

export interface SessionPolicy {
  /** A session ends this long after sign-in, whatever happens. */
  absoluteMs: number;
  /** …or this long after its last request. */
  idleMs: number;
}

/** A witness signs in at the start of a shift; the wall screen keeps its session alive by polling. */
export const DEFAULT_SESSION_POLICY: SessionPolicy = { absoluteMs: 12 * 3600_000, idleMs: 2 * 3600_000 };

const LAST_SEEN_GRANULARITY_MS = 60_000;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 10;

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: string;
  password_hash: string;
  disabled: number;
}

const toUser = (r: UserRow): ConsoleUser => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: parseRole(r.role) ?? 'operator',
});

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Console users (argon2id password hashes) and their sign-in sessions (opaque random tokens), in the venue's
 * SQLite under migration module `auth`. Stateless over the database, so the server and tools may each hold one.
 * Changes to users are events in the record (`audit.user-*`), with the administrator as actor.
 */
export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {
    migrate(db, 'auth', migrations);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM auth_users').get() as { n: number }).n;
  }

  list(): (ConsoleUser & { disabled: boolean })[] {
    return (this.db.prepare('SELECT * FROM auth_users ORDER BY username').all() as UserRow[]).map((r) => ({
      ...toUser(r),
      disabled: r.disabled === 1,
    }));
  }

  byUsername(username: string): ConsoleUser | null {
    const row = this.row(username);
    return row ? toUser(row) : null;
  }

  async create(
    input: { username: string; password: string; role: string; displayName?: string },
    by: string,
  ): Promise<ConsoleUser> {
    if (!USERNAME.test(input.username))
      throw new DomainError('invalid', `username: "${input.username}" must be 1–64 letters, digits, "_", "." or "-"`);
    const role = parseRole(input.role);
    if (!role)
      throw new DomainError('invalid', `role: "${input.role}" is not one of administrator, witness, auditor, operator`);
    checkPassword(input.password);
    if (this.row(input.username)) throw new DomainError('conflict', `username: "${input.username}" already exists`);
    const now = Date.now();
    const user: ConsoleUser = {
      id: randomUUID(),
      username: input.username,
      displayName: input.displayName ?? input.username,
      role,
    };
    const passwordHash = await hash(input.password);
    this.db
      .prepare(
        `INSERT INTO auth_users (id, username, display_name, role, password_hash, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(user.id, user.username, user.displayName, role, passwordHash, now, now);
    this.log.append({ type: 'audit.user-created', actor: by, subject: user.username, data: { role } });
    return user;
  }

  /** Changes a user's role or disables them; either ends their open sessions. */
  update(username: string, change: { role?: Role; disabled?: boolean }, by: string): ConsoleUser {
    const row = this.row(username);
    if (!row) throw new DomainError('not-found', `no user "${username}"`);
    const staysAdmin = (change.role ?? row.role) === 'administrator' && !(change.disabled ?? row.disabled === 1);
    if (row.role === 'administrator' && !staysAdmin && this.activeAdministrators() <= 1)
      throw new DomainError('conflict', `"${username}" is the last active administrator: make another one first`);
    this.db
      .prepare('UPDATE auth_users SET role = ?, disabled = ?, updated_at = ? WHERE id = ?')
      .run(
        change.role ?? row.role,
        change.disabled === undefined ? row.disabled : Number(change.disabled),
        Date.now(),
        row.id,
      );
    this.db.prepare('DELETE FROM auth_sessions WHERE user_id = ?').run(row.id);
    this.log.append({ type: 'audit.user-changed', actor: by, subject: username, data: { ...change } });
    return toUser(this.row(username)!);
  }

  async setPassword(username: string, password: string, by: string): Promise<void> {
    const row = this.row(username);
    if (!row) throw new DomainError('not-found', `no user "${username}"`);
    checkPassword(password);
    const passwordHash = await hash(password);
    this.db
      .prepare('UPDATE auth_users SET password_hash = ?, updated_at = ? WHERE id = ?')
      .run(passwordHash, Date.now(), row.id);
    this.db.prepare('DELETE FROM auth_sessions WHERE user_id = ?').run(row.id);
    this.log.append({ type: 'audit.password-changed', actor: by, subject: username });
  }

  /** Checks a password; the same error for an unknown user, a wrong password and a disabled account. */
  async authenticate(username: string, password: string): Promise<ConsoleUser> {
    const row = this.row(username);
    // Hash anyway for an unknown user, so the answer time does not tell which usernames exist.
    if (!row) await hash(password);
    const ok = row ? await verify(row.password_hash, password) : false;
    if (!row || !ok || row.disabled) throw new DomainError('unauthenticated', 'wrong username or password');
    return toUser(row);
  }

  /** Opens a session and returns its token (shown to the client once, stored only as a hash). */
  openSession(user: ConsoleUser, now = Date.now()): { token: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.policy.absoluteMs;
    this.db
      .prepare(
        'INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at, last_seen) VALUES (?, ?, ?, ?, ?)',
      )
      .run(tokenHash(token), user.id, now, expiresAt, now);
    return { token, expiresAt };
  }

  /** The user a token signs in, or null once it expired (absolute or idle), was revoked or the user disabled. */
  sessionUser(token: string, now = Date.now()): ConsoleUser | null {
    const key = tokenHash(token);
    const row = this.db
      .prepare(
        `SELECT u.*, s.expires_at, s.last_seen FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id
         WHERE s.token_hash = ?`,
      )
      .get(key) as (UserRow & { expires_at: number; last_seen: number }) | undefined;
    if (!row) return null;
    if (row.disabled || now >= row.expires_at || now - row.last_seen >= this.policy.idleMs) {
      this.db.prepare('DELETE FROM auth_sessions WHERE token_hash = ?').run(key);
      return null;
    }
    // The console polls every second: note activity at most once a minute, not a write per request.
    if (now - row.last_seen >= LAST_SEEN_GRANULARITY_MS)
      this.db.prepare('UPDATE auth_sessions SET last_seen = ? WHERE token_hash = ?').run(now, key);
    return toUser(row);
  }

  closeSession(token: string): void {
    this.db.prepare('DELETE FROM auth_sessions WHERE token_hash = ?').run(tokenHash(token));
  }

  /** Forgets expired sessions (called on each sign-in, so the table stays small without a timer). */
  purgeExpired(now = Date.now()): void {
    this.db
      .prepare('DELETE FROM auth_sessions WHERE expires_at <= ? OR last_seen <= ?')
      .run(now, now - this.policy.idleMs);
  }

  private activeAdministrators(): number {
    return (
      this.db.prepare("SELECT count(*) AS n FROM auth_users WHERE role = 'administrator' AND disabled = 0").get() as {
        n: number;
      }
    ).n;
  }

  private row(username: string): UserRow | undefined {
    return this.db.prepare('SELECT * FROM auth_users WHERE username = ?').get(username) as UserRow | undefined;
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new DomainError('invalid', `password: must be at least ${MIN_PASSWORD_LENGTH} characters`);
}
