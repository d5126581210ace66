import { randomBytes } from 'node:crypto';
import { DomainError } from '../domain-error.ts';
import type { EventData } from '../event-catalogue.ts';
import { type Db, migrate } from '../store/database.ts';
import type { EventLog } from '../store/event-log.ts';
import { type SealingKey, SecretBoxError, seal, unseal } from '../store/secret-box.ts';
import type { EnrolledIdentity } from './match-policy.ts';

export type BiometricKind = 'face-descriptor' | 'chip-photo' | 'checkin-frame';

const migrations = [
  {
    version: 1,
    sql: `
      -- The encrypted blobs, keyed by a random id that says nothing about whose they are.
      CREATE TABLE biometric_templates (
        template_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('face-descriptor', 'chip-photo', 'checkin-frame')),
        iv BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        tag BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      );
      -- Who a template belongs to (pseudonymous expert id), kept apart from the blobs.
      CREATE TABLE biometric_owners (
        expert_id TEXT NOT NULL,
        template_id TEXT NOT NULL REFERENCES biometric_templates (template_id) ON DELETE CASCADE,
        PRIMARY KEY (expert_id, template_id)
      );
      CREATE INDEX biometric_owners_template ON biometric_owners (template_id);
      CREATE TABLE biometric_consent (
        expert_id TEXT PRIMARY KEY,
        granted_at INTEGER NOT NULL,
        granted_by TEXT NOT NULL,
        withdrawn_at INTEGER,
        withdrawn_by TEXT
      );
    `,
  },
];

/** Who is asking and why: every access is recorded with both. */
export interface Access {
  actor: string;
  purpose: string;
}

/**
 * Face templates, chip photos and kept check-in frames, encrypted at rest with AES-256-GCM (the row's id and
 * kind are authenticated, so a blob cannot be moved to another row) and stored apart from who they belong to.
 * Enrolment needs recorded consent; withdrawing it deletes the person's templates. Every read, write and
 * deletion is an event in the venue's record — never the biometric data itself.
 */
export class BiometricStore {
  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    private readonly key: SealingKey,
  ) {
    migrate(db, 'checkin-biometrics', migrations);
  }

  grantConsent(expertId: string, by: string, at = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO biometric_consent (expert_id, granted_at, granted_by) VALUES (?, ?, ?)
         ON CONFLICT (expert_id) DO UPDATE SET granted_at = excluded.granted_at, granted_by = excluded.granted_by,
           withdrawn_at = NULL, withdrawn_by = NULL`,
      )
      .run(expertId, at, by);
    this.log.append({ type: 'biometric.consent-granted', actor: by, subject: expertId, at });
  }

  hasConsent(expertId: string): boolean {
    const row = this.db.prepare('SELECT withdrawn_at FROM biometric_consent WHERE expert_id = ?').get(expertId) as
      | { withdrawn_at: number | null }
      | undefined;
    return row !== undefined && row.withdrawn_at === null;
  }

  /** Withdrawal deletes every face template of the person at once; returns how many. */
  withdrawConsent(expertId: string, by: string, at = Date.now()): number {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(
          'UPDATE biometric_consent SET withdrawn_at = ?, withdrawn_by = ? WHERE expert_id = ? AND withdrawn_at IS NULL',
        )
        .run(at, by, expertId).changes;
      if (changed === 0) throw new DomainError('conflict', `expertId: no consent on record for ${expertId}`);
      const deleted = this.deleteOwned(expertId, 'face-descriptor');
      this.log.append({
        type: 'biometric.consent-withdrawn',
        actor: by,
        subject: expertId,
        data: { templatesDeleted: deleted },
        at,
      });
      return deleted;
    })();
  }

  /** Enrols 1–3 face descriptors for 1:N check-in; needs the person's consent on record. */
  enrol(expertId: string, descriptors: number[][], by: string): string[] {
    if (descriptors.length < 1 || descriptors.length > 3) {
      throw new DomainError('conflict', `descriptors: enrol from 1 to 3 photos, got ${descriptors.length}`);
    }
    if (!this.hasConsent(expertId))
      throw new DomainError('conflict', `expertId: ${expertId} has not consented to enrolment`);
    return this.db.transaction(() => {
      const ids = descriptors.map((d) =>
        this.put(expertId, 'face-descriptor', Buffer.from(new Float32Array(d).buffer), null),
      );
      this.log.append({
        type: 'biometric.enrolled',
        actor: by,
        subject: expertId,
        data: { templates: ids.length },
      });
      return ids;
    })();
  }

  /** Every enrolled person's templates, decrypted for one 1:N search. */
  gallery(access: Access): EnrolledIdentity[] {
    const rows = this.db
      .prepare(
        `SELECT o.expert_id, t.template_id, t.kind, t.iv, t.ciphertext, t.tag
         FROM biometric_templates t JOIN biometric_owners o USING (template_id)
         JOIN biometric_consent c ON c.expert_id = o.expert_id AND c.withdrawn_at IS NULL
         WHERE t.kind = 'face-descriptor' ORDER BY o.expert_id`,
      )
      .all() as (SealedRow & { expert_id: string })[];
    const byExpert = new Map<string, number[][]>();
    for (const row of rows) {
      const plain = this.open(row);
      const descriptor = Array.from(new Float32Array(plain.buffer, plain.byteOffset, plain.length / 4));
      byExpert.set(row.expert_id, [...(byExpert.get(row.expert_id) ?? []), descriptor]);
    }
    this.audit('biometric.accessed', access, null, { kind: 'face-descriptor', templates: rows.length });
    return [...byExpert].map(([id, templates]) => ({ id, templates }));
  }

  /** Keeps an image as check-in evidence (only when the evidence policy says so), until `expiresAt`. */
  keepEvidence(
    expertId: string | null,
    kind: 'chip-photo' | 'checkin-frame',
    image: Uint8Array,
    expiresAt: number,
    access: Access,
  ): string {
    return this.db.transaction(() => {
      const id = this.put(expertId, kind, Buffer.from(image), expiresAt);
      this.audit('biometric.stored', access, expertId, { kind, templateId: id, expiresAt });
      return id;
    })();
  }

  readEvidence(templateId: string, access: Access): Buffer {
    const row = this.db
      .prepare('SELECT template_id, kind, iv, ciphertext, tag FROM biometric_templates WHERE template_id = ?')
      .get(templateId) as SealedRow | undefined;
    if (!row) throw new DomainError('conflict', `templateId: no biometric record ${templateId}`);
    const plain = this.open(row);
    this.audit('biometric.accessed', access, null, { kind: row.kind, templateId });
    return plain;
  }

  /** Deletes kept evidence past its retention; returns how many. */
  purgeExpired(now = Date.now()): number {
    const deleted = this.db
      .prepare('DELETE FROM biometric_templates WHERE expires_at IS NOT NULL AND expires_at <= ?')
      .run(now).changes;
    if (deleted > 0) {
      this.log.append({ type: 'biometric.purged', actor: 'system', data: { deleted, reason: 'retention' } });
    }
    return deleted;
  }

  /** Counts per kind, for the console and tests: says nothing about whose. */
  counts(): Record<BiometricKind, number> {
    const rows = this.db.prepare('SELECT kind, COUNT(*) AS n FROM biometric_templates GROUP BY kind').all() as {
      kind: BiometricKind;
      n: number;
    }[];
    const counts = { 'face-descriptor': 0, 'chip-photo': 0, 'checkin-frame': 0 };
    for (const r of rows) counts[r.kind] = r.n;
    return counts;
  }

  private put(expertId: string | null, kind: BiometricKind, plain: Buffer, expiresAt: number | null): string {
    const templateId = randomBytes(16).toString('hex');
    const { iv, ciphertext, tag } = seal(this.key, plain, `${templateId}|${kind}`);
    this.db
      .prepare(
        `INSERT INTO biometric_templates (template_id, kind, iv, ciphertext, tag, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(templateId, kind, iv, ciphertext, tag, Date.now(), expiresAt);
    if (expertId) {
      this.db.prepare('INSERT INTO biometric_owners (expert_id, template_id) VALUES (?, ?)').run(expertId, templateId);
    }
    return templateId;
  }

  private open(row: SealedRow): Buffer {
    try {
      return unseal(this.key, row, `${row.template_id}|${row.kind}`);
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      throw new DomainError(
        'conflict',
        `biometric record ${row.template_id} failed authentication (wrong key or altered)`,
      );
    }
  }

  private deleteOwned(expertId: string, kind: BiometricKind): number {
    return this.db
      .prepare(
        `DELETE FROM biometric_templates WHERE kind = ? AND template_id IN
           (SELECT template_id FROM biometric_owners WHERE expert_id = ?)`,
      )
      .run(kind, expertId).changes;
  }

  private audit(
    type: 'biometric.stored' | 'biometric.accessed',
    access: Access,
    subject: string | null,
    data: Omit<EventData<'biometric.stored'>, 'purpose'>,
  ): void {
    this.log.append({ type, actor: access.actor, subject, data: { purpose: access.purpose, ...data } });
  }
}

interface SealedRow {
  template_id: string;
  kind: BiometricKind;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}
