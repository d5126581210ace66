import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain-error.ts';
import { type Db, migrate } from '../store/database.ts';
import type { EventLog } from '../store/event-log.ts';
import { preparedCache } from '../store/prepared.ts';

const migrations = [
  {
    version: 1,
    sql: `
      -- Check-in terminals (kiosk pages) the administrator enrolled. Only SHA-256 hashes of the pairing code and
      -- of the terminal's credential are kept: a copy of the database lets nobody act as a terminal.
      CREATE TABLE checkin_terminals (
        id TEXT PRIMARY KEY,
        pairing_hash TEXT, pairing_expires_at INTEGER,
        token_hash TEXT,
        issued_by TEXT NOT NULL, issued_at INTEGER NOT NULL, paired_at INTEGER
      );
    `,
  },
];

/** Terminal ids as the venue file spells device ids. */
export const TERMINAL_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A pairing code is typed on the kiosk once; long enough not to be guessed within its life and the rate limit. */
const PAIRING_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'; // no 0/O, 1/I
const PAIRING_LENGTH = 10;
export const PAIRING_TTL_MS = 15 * 60_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sameHash = (a: string, b: string) => timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
/** Codes are shown grouped (`K7QF2-MXP9A`) and typed with or without the dash, in any case. */
const normaliseCode = (code: string) => code.replace(/[\s-]/g, '').toUpperCase();

export interface TerminalInfo {
  id: string;
  issuedBy: string;
  issuedAt: number;
  /** When the kiosk exchanged its pairing code for its credential; null while the code is outstanding. */
  pairedAt: number | null;
  pairingExpiresAt: number | null;
}

interface TerminalRow {
  id: string;
  pairing_hash: string | null;
  pairing_expires_at: number | null;
  token_hash: string | null;
  issued_by: string;
  issued_at: number;
  paired_at: number | null;
}

/**
 * Who may call the check-in routes without a signed-in user: terminals the administrator enrolled. The
 * administrator issues a one-time pairing code for a terminal id (valid 15 minutes); the kiosk page exchanges it
 * once for its credential (`<id>.<secret>`, kept in the browser) and presents that on every call. Issuing again
 * replaces the terminal's credential at the next pairing; revoking removes it at once. Each step is an event.
 */
export class TerminalRegistry {
  private readonly sql: ReturnType<typeof preparedCache>;

  constructor(
    db: Db,
    private readonly log: EventLog,
    private readonly now: () => number = Date.now,
  ) {
    migrate(db, 'checkin-terminals', migrations);
    this.sql = preparedCache(db);
  }

  /** A new pairing code for the terminal (enrolling it if new); the code is shown once and kept only hashed. */
  issuePairingCode(id: string, by: string): { id: string; pairingCode: string; expiresAt: number } {
    if (!TERMINAL_ID.test(id)) throw new DomainError('invalid', `id: "${id}" is not a terminal id (A-Z a-z 0-9 _ . -)`);
    const raw = Array.from({ length: PAIRING_LENGTH }, () => PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)]);
    const pairingCode = `${raw.slice(0, 5).join('')}-${raw.slice(5).join('')}`;
    const at = this.now();
    const expiresAt = at + PAIRING_TTL_MS;
    this.sql(
      `INSERT INTO checkin_terminals (id, pairing_hash, pairing_expires_at, issued_by, issued_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET pairing_hash = excluded.pairing_hash,
         pairing_expires_at = excluded.pairing_expires_at, issued_by = excluded.issued_by, issued_at = excluded.issued_at`,
    ).run(id, sha256(normaliseCode(pairingCode)), expiresAt, by, at);
    this.log.append({ type: 'checkin.terminal-issued', actor: by, subject: id, data: { terminal: id, expiresAt } });
    return { id, pairingCode, expiresAt };
  }

  /** Exchanges an outstanding pairing code for the terminal's credential; null for an unknown or expired code. */
  pair(code: string): { terminal: string; credential: string } | null {
    const hash = sha256(normaliseCode(code));
    const row = this.sql('SELECT * FROM checkin_terminals WHERE pairing_hash = ?').get(hash) as TerminalRow | undefined;
    const at = this.now();
    if (!row || (row.pairing_expires_at ?? 0) < at) return null;
    const secret = randomBytes(32).toString('base64url');
    this.sql(
      'UPDATE checkin_terminals SET token_hash = ?, pairing_hash = NULL, pairing_expires_at = NULL, paired_at = ? WHERE id = ?',
    ).run(sha256(secret), at, row.id);
    this.log.append({ type: 'checkin.terminal-paired', actor: row.id, subject: row.id, data: { terminal: row.id } });
    return { terminal: row.id, credential: `${row.id}.${secret}` };
  }

  /** The terminal a credential belongs to, or null (unknown, revoked or replaced). */
  authenticate(credential: string): string | null {
    const dot = credential.lastIndexOf('.');
    if (dot <= 0) return null;
    const id = credential.slice(0, dot);
    const row = this.sql('SELECT token_hash FROM checkin_terminals WHERE id = ?').get(id) as
      | Pick<TerminalRow, 'token_hash'>
      | undefined;
    if (!row?.token_hash) return null;
    return sameHash(row.token_hash, sha256(credential.slice(dot + 1))) ? id : null;
  }

  revoke(id: string, by: string): void {
    const changed = this.sql('DELETE FROM checkin_terminals WHERE id = ?').run(id).changes;
    if (changed === 0) throw new DomainError('not-found', `terminal "${id}" is not enrolled`);
    this.log.append({ type: 'checkin.terminal-revoked', actor: by, subject: id, data: { terminal: id } });
  }

  list(): TerminalInfo[] {
    const rows = this.sql('SELECT * FROM checkin_terminals ORDER BY id').all() as TerminalRow[];
    return rows.map((r) => ({
      id: r.id,
      issuedBy: r.issued_by,
      issuedAt: r.issued_at,
      pairedAt: r.token_hash ? r.paired_at : null,
      pairingExpiresAt: r.pairing_hash ? r.pairing_expires_at : null,
    }));
  }
}
