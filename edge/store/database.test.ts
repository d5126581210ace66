import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { migrate, NewerDatabaseError, openDatabase } from './database.ts';

const v1 = { version: 1, sql: 'CREATE TABLE things (id TEXT PRIMARY KEY)' };
const v2 = { version: 2, sql: 'ALTER TABLE things ADD COLUMN label TEXT' };

describe('migrations', () => {
  it('upgrades in order, once, and refuses to run older code on a database a newer version wrote', () => {
    const file = join(tempDir(), 'halledge.db');
    const db = openDatabase(file);
    migrate(db, 'things', [v1]);
    migrate(db, 'things', [v2, v1]);
    migrate(db, 'things', [v1, v2]); // nothing left to apply
    db.prepare("INSERT INTO things (id, label) VALUES ('a', 'b')").run();

    // The previous release (knows only v1) on the upgraded file: refused, with module and versions named.
    expect(() => migrate(db, 'things', [v1])).toThrow(NewerDatabaseError);
    expect(() => migrate(db, 'things', [v1])).toThrow(/module "things" is at schema version 2, newer than .* \(1\)/);
    // Other modules are unaffected, and the refused start changed nothing.
    migrate(db, 'other', [{ version: 1, sql: 'CREATE TABLE others (id TEXT)' }]);
    expect(db.prepare('SELECT label FROM things').pluck().get()).toBe('b');
    db.close();
  });
});
