import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../edge/store/database.ts';
import { SecretBoxError } from '../../edge/store/secret-box.ts';
import { tempDir } from '../../test/venue-harness.ts';
import { ExpertNames } from './expert-names.ts';

/** Every byte SQLite wrote for the database, WAL included. */
function databaseBytes(file: string): Buffer {
  return Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`)]);
}

describe('expert names at rest', () => {
  it('keeps names encrypted in the database file and reads them back with the key', () => {
    const file = join(tempDir(), 'names.db');
    const db = openDatabase(file);
    const key = { cipher: 'aes-256-gcm' as const, key: randomBytes(32) };
    const names = new ExpertNames(db, key);
    names.set('E1', '王五', 'administrator');
    names.set('E1', '王小五', 'administrator');
    expect(names.nameOf('E1')).toBe('王小五');
    expect(names.nameOf('E2')).toBeNull();
    expect(databaseBytes(file).includes(Buffer.from('王小五'))).toBe(false);
    // A database copied without its key gives nothing away.
    expect(() => new ExpertNames(db, { cipher: 'aes-256-gcm', key: randomBytes(32) }).nameOf('E1')).toThrow(
      SecretBoxError,
    );
    db.close();
  });

  it('encrypts names an earlier version stored in the clear, and drops the clear table', () => {
    const file = join(tempDir(), 'names.db');
    const db = openDatabase(file);
    // The version-1 layout, as a venue that ran it has it on disk.
    migrate(db, 'expert-names', [
      {
        version: 1,
        sql: `CREATE TABLE expert_names (
          pseudonym TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, updated_at INTEGER NOT NULL)`,
      },
    ]);
    db.prepare('INSERT INTO expert_names VALUES (?, ?, ?, ?)').run('E7', '赵六', 'chip', 1);
    const names = new ExpertNames(db, { cipher: 'aes-256-gcm', key: randomBytes(32) });
    expect(names.nameOf('E7')).toBe('赵六');
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'expert_names'").get()).toBeUndefined();
    db.close();
  });
});
