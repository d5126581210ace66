import type { ConfidentialNames } from '../../edge/displays/name-guard.ts';
import { type Db, migrate } from '../../edge/store/database.ts';
import { type SealingKey, seal, unseal } from '../../edge/store/secret-box.ts';

const migrations = [
  {
    version: 1,
    sql: `CREATE TABLE expert_names (
      pseudonym TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
  },
  {
    // Names are encrypted at rest from version 2; the constructor moves version-1 rows over and drops them.
    version: 2,
    sql: `CREATE TABLE expert_name_boxes (
      pseudonym TEXT PRIMARY KEY, iv BLOB NOT NULL, ciphertext BLOB NOT NULL, tag BLOB NOT NULL,
      source TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
  },
];

/** Anything that can tell an expert's real name from their pseudonym. */
export interface NameLookup {
  nameOf(pseudonym: string): string | null;
}

/**
 * Expert names (confidential until the result is final), kept in this venue only and never in the event log,
 * so they never go upstream. Encrypted at rest (AES-256-GCM bound to the pseudonym, key in the data
 * directory), so a copied database file does not give them away. Filled by an administrator (or the
 * check-in chip read) and read only through `redact.ts`, which hands them to the roles allowed to see them.
 */
export class ExpertNames implements NameLookup, ConfidentialNames {
  constructor(
    private readonly db: Db,
    private readonly key: SealingKey,
  ) {
    migrate(db, 'expert-names', migrations);
    this.sealPlainNames();
  }

  set(pseudonym: string, name: string, source: string, updatedAt = Date.now()): void {
    const box = seal(this.key, Buffer.from(name), pseudonym);
    this.db
      .prepare(
        `INSERT INTO expert_name_boxes (pseudonym, iv, ciphertext, tag, source, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (pseudonym) DO UPDATE SET iv = excluded.iv, ciphertext = excluded.ciphertext,
           tag = excluded.tag, source = excluded.source, updated_at = excluded.updated_at`,
      )
      .run(pseudonym, box.iv, box.ciphertext, box.tag, source, updatedAt);
  }

  nameOf(pseudonym: string): string | null {
    const row = this.db
      .prepare('SELECT iv, ciphertext, tag FROM expert_name_boxes WHERE pseudonym = ?')
      .get(pseudonym) as { iv: Buffer; ciphertext: Buffer; tag: Buffer } | undefined;
    return row ? unseal(this.key, row, pseudonym).toString() : null;
  }

  /** Every name kept, decrypted: free text is checked against them before it is shown (edge/displays/name-guard.ts). */
  allNames(): string[] {
    const rows = this.db.prepare('SELECT pseudonym, iv, ciphertext, tag FROM expert_name_boxes').all() as {
      pseudonym: string;
      iv: Buffer;
      ciphertext: Buffer;
      tag: Buffer;
    }[];
    return rows.map((r) => unseal(this.key, r, r.pseudonym).toString());
  }

  /** Names stored in the clear by version 1 are encrypted and the clear table dropped, in one transaction. */
  private sealPlainNames(): void {
    const legacy = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'expert_names'")
      .get();
    if (!legacy) return;
    this.db.transaction(() => {
      const rows = this.db.prepare('SELECT pseudonym, name, source, updated_at FROM expert_names').all() as {
        pseudonym: string;
        name: string;
        source: string;
        updated_at: number;
      }[];
      for (const r of rows) this.set(r.pseudonym, r.name, r.source, r.updated_at);
      this.db.exec('DROP TABLE expert_names');
    })();
  }
}
