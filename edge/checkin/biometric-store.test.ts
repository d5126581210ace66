import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { DomainError } from '../domain-error.ts';
import { type Db, openDatabase } from '../store/database.ts';
import { EventLog } from '../store/event-log.ts';
import { loadOrCreateKey } from '../store/secret-box.ts';
import { BiometricStore } from './biometric-store.ts';

const descriptor = (seed: number) => Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(seed * 131 + i) / 4));

let dir: string;
let db: Db;
let log: EventLog;
let store: BiometricStore;
beforeEach(() => {
  dir = tempDir();
  db = openDatabase(join(dir, 'halledge.db'));
  log = new EventLog(db, 'qinshui');
  store = new BiometricStore(db, log, loadOrCreateKey(join(dir, 'biometric.key')));
});

const access = { actor: 'witness-1', purpose: 'test' };

describe('biometric store', () => {
  it('enrols only with consent, and gives the templates back for 1:N', () => {
    expect(() => store.enrol('EXP-1', [descriptor(1)], 'witness-1')).toThrow(/has not consented/);
    store.grantConsent('EXP-1', 'witness-1');
    store.enrol('EXP-1', [descriptor(1), descriptor(2)], 'witness-1');
    expect(() => store.enrol('EXP-1', [], 'witness-1')).toThrow(/1 to 3 photos/);
    const gallery = store.gallery(access);
    expect(gallery).toEqual([{ id: 'EXP-1', templates: [expect.any(Array), expect.any(Array)] }]);
    expect(gallery[0]!.templates.map((t) => t[5])).toEqual(
      expect.arrayContaining([descriptor(1)[5], descriptor(2)[5]]),
    );
  });

  it('keeps templates encrypted, apart from identities, under an owner-only key', () => {
    store.grantConsent('EXP-1', 'witness-1');
    store.enrol('EXP-1', [descriptor(3)], 'witness-1');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const file = readFileSync(join(dir, 'halledge.db'));
    expect(file.includes(Buffer.from(new Float32Array(descriptor(3)).buffer).subarray(0, 32))).toBe(false);
    const ownerColumns = (db.prepare('PRAGMA table_info(biometric_owners)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(ownerColumns).toEqual(['expert_id', 'template_id']);
    expect(statSync(join(dir, 'biometric.key')).mode & 0o077).toBe(0);
    // Another key cannot read them, and a blob moved onto another row fails authentication.
    const stranger = new BiometricStore(db, log, { cipher: 'aes-256-gcm', key: Buffer.alloc(32, 7) });
    expect(() => stranger.gallery(access)).toThrow(/failed authentication/);
    const id = store.keepEvidence('EXP-1', 'chip-photo', Buffer.from('jpeg bytes'), Date.now() + 1000, access);
    db.prepare(
      `UPDATE biometric_templates SET ciphertext = (SELECT ciphertext FROM biometric_templates WHERE template_id = ?),
       iv = (SELECT iv FROM biometric_templates WHERE template_id = ?), tag = (SELECT tag FROM biometric_templates WHERE template_id = ?)
       WHERE kind = 'face-descriptor'`,
    ).run(id, id, id);
    expect(() => store.gallery(access)).toThrow(DomainError);
  });

  it('deletes the templates when consent is withdrawn', () => {
    store.grantConsent('EXP-1', 'witness-1');
    store.grantConsent('EXP-2', 'witness-1');
    store.enrol('EXP-1', [descriptor(1), descriptor(2), descriptor(3)], 'witness-1');
    store.enrol('EXP-2', [descriptor(4)], 'witness-1');
    expect(store.withdrawConsent('EXP-1', 'EXP-1')).toBe(3);
    expect(store.counts()['face-descriptor']).toBe(1);
    expect(store.gallery(access).map((g) => g.id)).toEqual(['EXP-2']);
    expect(() => store.enrol('EXP-1', [descriptor(1)], 'witness-1')).toThrow(/has not consented/);
    expect(() => store.withdrawConsent('EXP-9', 'x')).toThrow(/no consent on record/);
  });

  it('records every access in the event log, without any biometric data', () => {
    store.grantConsent('EXP-1', 'witness-1');
    store.enrol('EXP-1', [descriptor(1)], 'witness-1');
    store.gallery({ actor: 'terminal-1', purpose: 'face-1:n' });
    const id = store.keepEvidence('EXP-1', 'checkin-frame', Buffer.from('PIXELS'), Date.now() + 60_000, access);
    expect(store.readEvidence(id, { actor: 'auditor-1', purpose: 'dispute' }).toString()).toBe('PIXELS');
    store.withdrawConsent('EXP-1', 'EXP-1');
    const events = log.query({ typePrefix: 'biometric.' });
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['biometric.consent-granted', 'witness-1'],
      ['biometric.enrolled', 'witness-1'],
      ['biometric.accessed', 'terminal-1'],
      ['biometric.stored', 'witness-1'],
      ['biometric.accessed', 'auditor-1'],
      ['biometric.consent-withdrawn', 'EXP-1'],
    ]);
    expect(events[2]!.data).toEqual({ purpose: 'face-1:n', kind: 'face-descriptor', templates: 1 });
    expect(JSON.stringify(events)).not.toMatch(/PIXELS|0\.\d{6}/);
  });

  it('purges kept evidence after its retention', () => {
    store.keepEvidence(null, 'checkin-frame', Buffer.from('a'), 1000, access);
    store.keepEvidence(null, 'checkin-frame', Buffer.from('b'), 5000, access);
    expect(store.purgeExpired(2000)).toBe(1);
    expect(store.counts()['checkin-frame']).toBe(1);
  });
});
