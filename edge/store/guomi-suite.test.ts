// The 国密 suite beyond checkpoints: the hash chain in SM3 (chain format 3) and data sealed with SM4 + HMAC-SM3,
// each checked against the independent sm-crypto package (sm-crypto-reference.ts).
import { hash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/venue-harness.ts';
import { chainHash } from '../evidence/verify-evidence.ts';
import { openDatabase } from './database.ts';
import { CHAIN_FORMAT, type ChainFormat, EventLog, type EventRow, SM3_CHAIN_FORMAT } from './event-log.ts';
import { type SealingKey, SecretBoxError, seal, unseal } from './secret-box.ts';
import { smCrypto } from './sm-crypto-reference.ts';
import { sm3Portable } from './sm3.ts';
import { verifyChain } from './verify.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('SM3', () => {
  it('the portable SM3 (for the browser), OpenSSL and sm-crypto agree, across block boundaries', () => {
    // GB/T 32905-2016 example 1.
    expect(hex(sm3Portable(Buffer.from('abc')))).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 128, 1000]) {
      const data = randomBytes(length);
      const reference = smCrypto.sm3([...data]);
      expect(hex(sm3Portable(data)), `${length} bytes`).toBe(reference);
      expect(hash('sm3', data, 'hex'), `${length} bytes`).toBe(reference);
    }
  });
});

describe('the hash chain in SM3 (chain format 3)', () => {
  /** A log whose events are written in the given formats, one run after another, as a venue switching suites. */
  function logIn(...runs: [ChainFormat, number][]) {
    const file = join(tempDir(), 'venue.db');
    let at = 1_765_000_000_000;
    for (const [format, count] of runs) {
      const db = openDatabase(file);
      const log = new EventLog(db, 'jincheng', format);
      for (let i = 0; i < count; i++)
        log.append({ type: 'clock.jumped', subject: `设备-${i}`, data: { byMs: i }, at: at++ });
      db.close();
    }
    return openDatabase(file);
  }
  const rows = (db: ReturnType<typeof openDatabase>) =>
    db.prepare('SELECT * FROM events ORDER BY seq').all() as EventRow[];

  it('hashes each event with SM3 over its canonical content, as sm-crypto computes it from the stored columns', () => {
    const db = logIn([SM3_CHAIN_FORMAT, 5]);
    for (const r of rows(db)) {
      expect(r.format).toBe(3);
      const content = JSON.stringify([
        3,
        r.seq,
        r.venue,
        r.at,
        r.type,
        r.session,
        r.actor,
        r.method,
        r.subject,
        r.data,
        r.prev_hash,
      ]);
      expect(r.hash).toBe(smCrypto.sm3(content));
    }
    expect(verifyChain(db)).toMatchObject({ ok: true, events: 5, findings: [] });
  });

  it('an edited SM3 event is found, and the evidence verifier recomputes SM3 hashes too', async () => {
    const db = logIn([SM3_CHAIN_FORMAT, 5]);
    for (const r of rows(db)) expect(await chainHash({ ...r, prevHash: r.prev_hash, proof: null })).toBe(r.hash);
    db.exec('DROP TRIGGER events_no_update');
    db.prepare(`UPDATE events SET data = '{"i":99}' WHERE seq = 3`).run();
    expect(verifyChain(db).findings.map((f) => [f.kind, f.fromSeq, f.toSeq])).toEqual([['modified', 3, 3]]);
    const edited = rows(db)[2]!;
    expect(await chainHash({ ...edited, prevHash: edited.prev_hash, proof: null })).not.toBe(edited.hash);
  });

  it('a venue joining and leaving the suite keeps one chain that verifies; format 1 after it is a regression', () => {
    const db = logIn([CHAIN_FORMAT, 3], [SM3_CHAIN_FORMAT, 3], [CHAIN_FORMAT, 2]);
    expect(rows(db).map((r) => r.format)).toEqual([2, 2, 2, 3, 3, 3, 2, 2]);
    expect(verifyChain(db)).toMatchObject({ ok: true, events: 8, findings: [] });
    // A forger setting an SM3 event back to format 1 (the old, laxer encoding) is named, not only as modified.
    db.exec('DROP TRIGGER events_no_update');
    db.prepare('UPDATE events SET format = 1 WHERE seq = 5').run();
    expect(verifyChain(db).findings.map((f) => f.kind)).toEqual(['modified', 'format-regressed']);
  });
});

describe('sealed data in SM4 (SM4-CBC, HMAC-SM3 tag)', () => {
  const file = randomBytes(32);
  const sm4Key: SealingKey = { cipher: 'sm4-cbc-hmac-sm3', key: file };
  /** The subkeys as sm-crypto derives them: HMAC-SM3 of the key file with a label each. */
  const referenceKeys = () => ({
    encrypt: smCrypto.sm3('halledge-seal/sm4-cbc', { key: [...file] }).slice(0, 32),
    mac: smCrypto.sm3('halledge-seal/hmac-sm3', { key: [...file] }),
  });
  const referenceTag = (mac: string, iv: Buffer, ciphertext: Buffer, binding: string) => {
    const b = Buffer.from(binding);
    const input = Buffer.concat([Buffer.from([0, 0, b.length >> 8, b.length & 0xff]), b, iv, ciphertext]);
    return smCrypto.sm3([...input], { key: mac });
  };

  it('a box HallEdge sealed opens with sm-crypto (tag checked, SM4-CBC decrypted)', () => {
    const plain = Buffer.from('王小五：专家姓名，只在场馆内', 'utf8');
    const box = seal(sm4Key, plain, 'E-17');
    expect(box.iv.length).toBe(16);
    expect(box.tag.length).toBe(32);
    const keys = referenceKeys();
    expect(box.tag.toString('hex')).toBe(referenceTag(keys.mac, box.iv, box.ciphertext, 'E-17'));
    const opened = smCrypto.sm4.decrypt([...box.ciphertext], keys.encrypt, {
      mode: 'cbc',
      iv: box.iv.toString('hex'),
      output: 'array',
    });
    expect(Buffer.from(opened).equals(plain)).toBe(true);
  });

  it('a box sealed with sm-crypto opens in HallEdge; another binding or an altered byte does not', () => {
    const keys = referenceKeys();
    const iv = randomBytes(16);
    const plain = randomBytes(1000); // a face template's size
    const ciphertext = Buffer.from(
      smCrypto.sm4.encrypt([...plain], keys.encrypt, { mode: 'cbc', iv: iv.toString('hex'), output: 'array' }),
    );
    const box = { iv, ciphertext, tag: Buffer.from(referenceTag(keys.mac, iv, ciphertext, 'tpl-1|face'), 'hex') };
    expect(unseal(sm4Key, box, 'tpl-1|face').equals(plain)).toBe(true);
    expect(() => unseal(sm4Key, box, 'tpl-2|face')).toThrow(SecretBoxError);
    const altered = Buffer.from(ciphertext);
    altered[5]! ^= 1;
    expect(() => unseal(sm4Key, { ...box, ciphertext: altered }, 'tpl-1|face')).toThrow(SecretBoxError);
    expect(() => unseal({ ...sm4Key, key: randomBytes(32) }, box, 'tpl-1|face')).toThrow(SecretBoxError);
  });

  it('data sealed before the venue switched suites stays readable, in both directions', () => {
    const aesKey: SealingKey = { cipher: 'aes-256-gcm', key: file };
    const before = seal(aesKey, Buffer.from('camera password'), 'cam-1');
    expect(before.tag.length).toBe(16);
    expect(unseal(sm4Key, before, 'cam-1').toString()).toBe('camera password');
    const after = seal(sm4Key, Buffer.from('camera password'), 'cam-1');
    expect(unseal(aesKey, after, 'cam-1').toString()).toBe('camera password');
    expect(() => unseal(sm4Key, before, 'cam-2')).toThrow(SecretBoxError);
  });
});
