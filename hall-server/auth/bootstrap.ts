import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Role } from './roles.ts';
import type { UserStore } from './user-store.ts';

export const BOOTSTRAP_ADMIN = 'admin';

/**
 * First start: a venue with no users gets the administrator `admin`, with the password from
 * HALLEDGE_ADMIN_PASSWORD, or a random one written to `passwordFile` (owner-only; it is stored only as a hash:
 * change it after signing in, then delete the file). No password is ever logged.
 */
export async function ensureAdministrator(
  users: UserStore,
  logger: Logger,
  passwordFile: string,
  password: string | undefined,
): Promise<void> {
  if (users.count() > 0) return;
  const chosen = password ?? randomBytes(12).toString('base64url');
  await users.create(
    { username: BOOTSTRAP_ADMIN, password: chosen, role: 'administrator', displayName: '系统管理员' },
    'system',
  );
  if (password)
    logger.warn({ username: BOOTSTRAP_ADMIN }, 'first start: administrator created from HALLEDGE_ADMIN_PASSWORD');
  else {
    writeFileSync(passwordFile, `${chosen}\n`, { mode: 0o600 });
    logger.warn(
      { username: BOOTSTRAP_ADMIN, passwordFile },
      'first start: administrator created — its password is in this file; change it after signing in, then delete the file',
    );
  }
}

/** The demo venue's users, one per role (passwords are public: for the demo only). The demo's admin is the bootstrap one. */
export const DEMO_USERS: readonly { username: string; password: string; role: Role; displayName: string }[] = [
  { username: 'admin', password: 'demo-admin-pass', role: 'administrator', displayName: '系统管理员' },
  { username: 'witness', password: 'demo-witness-pass', role: 'witness', displayName: '见证人 王' },
  { username: 'auditor', password: 'demo-auditor-pass', role: 'auditor', displayName: '审计员 李' },
  { username: 'operator', password: 'demo-operator-pass', role: 'operator', displayName: '运维 张' },
];

/** Creates the demo users that do not exist yet (the demo venue only). */
export async function ensureDemoUsers(users: UserStore): Promise<void> {
  for (const user of DEMO_USERS) if (!users.byUsername(user.username)) await users.create(user, 'demo');
}
