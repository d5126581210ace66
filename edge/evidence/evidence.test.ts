import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Checkpoint, checkpointManifest } from '../store/checkpoint-format.ts';
import { checkpointSigner } from '../store/suites.ts';
import { buildFixture, type Fixture, SESSION } from './evidence-fixture.ts';
import { exportEvidence } from './export-evidence.ts';
import type { EvidenceManifest } from './package-format.ts';
import { TAMPERINGS, tamper } from './tamper.ts';
import { verifyEvidence } from './verify-evidence.ts';

const run = promisify(execFile);
const verify = (zip: Uint8Array) => verifyEvidence(new Map(Object.entries(unzipSync(zip))));

/** Runs the verify-evidence CLI on a package; its exit code and output. */
async function cli(fixture: Fixture, zip: Uint8Array, name: string) {
  const file = join(fixture.dir, name);
  writeFileSync(file, zip);
  try {
    const r = await run('npx', ['tsx', 'edge/evidence/verify-evidence-cli.ts', file]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('evidence package', () => {
  let fixture: Fixture;
  let zip: Uint8Array;

  beforeAll(async () => {
    fixture = buildFixture();
    zip = (await exportEvidence(fixture.source, SESSION, 'auditor-1')).zip;
  });
  afterAll(() => {
    fixture.db.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  it("holds only the session's events, each with a proof against the countersigned checkpoint", async () => {
    const files = unzipSync(zip);
    const events = new TextDecoder()
      .decode(files['events.jsonl'])
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { session: string; proof: string[] | null; type: string });
    expect(events.every((e) => e.session === SESSION)).toBe(true);
    expect(events.map((e) => e.proof === null)).toEqual(events.map((e) => e.type === 'session.updated'));
    expect(Object.keys(files).filter((p) => p.startsWith('footage/'))).toHaveLength(51);
    expect(Object.keys(files)).toContain('calls/c1.ogg');
    expect(Object.keys(files)).toContain('verify.html');
    const summary = new TextDecoder().decode(files['summary.html']);
    expect(summary).toContain('held-open');
    expect(summary).toContain('已解除（witness-1');
    expect(summary).toContain('1 处断档');
    expect(summary).not.toMatch(/photo|image\/jpeg/);
  });

  it('verifies: signatures, hashes, chain hashes, proofs, receipt — and says what rests on the chain alone', async () => {
    const verdict = await verify(zip);
    expect(verdict.findings).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.summary).toMatchObject({ events: 10, anchoredEvents: 9, footage: 51, calls: 1 });
    expect(verdict.summary?.receipt).not.toBeNull();
    expect(verdict.notes).toEqual(['1 events came after the signed checkpoint: the hash chain alone holds them']);
    const r = await cli(fixture, zip, 'ok.zip');
    expect(r.out).toContain('VERIFIED');
    expect(r.code).toBe(0);
  });

  it.each(TAMPERINGS)('names the tampering %s (%j) in both the library and the CLI', async (how, kinds) => {
    const t = tamper(zip, how);
    const verdict = await verify(t.zip);
    expect(verdict.ok).toBe(false);
    for (const kind of kinds) expect(verdict.findings).toContainEqual(expect.objectContaining({ kind, item: t.item }));
    const r = await cli(fixture, t.zip, `${how}.zip`);
    expect(r.code).toBe(1);
    for (const kind of kinds) expect(r.out).toContain(`${kind}: ${t.item}:`);
  });

  it('names a manifest changed after signing, and a file added to the package', async () => {
    const files = unzipSync(zip);
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    manifest.exportedBy = 'someone-else';
    files['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
    files['extra.txt'] = new Uint8Array([1]);
    const { zipSync } = await import('fflate');
    const verdict = await verify(zipSync(files));
    expect(verdict.findings.map((f) => [f.kind, f.item])).toEqual([
      ['manifest-signature', 'manifest.json'],
      ['file-unlisted', 'extra.txt'],
    ]);
  });
});

describe('evidence package of a venue in the 国密 suite (SM3 chain, SM2 checkpoint over an SM3 tree)', () => {
  let fixture: Fixture;
  let zip: Uint8Array;

  beforeAll(async () => {
    fixture = buildFixture({ guomi: true });
    zip = (await exportEvidence(fixture.source, SESSION, 'auditor-1')).zip;
  });
  afterAll(() => {
    fixture.db.close();
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('verifies: SM3 chain hashes, SM3 proofs, the SM2 checkpoint and its receipt', async () => {
    const files = unzipSync(zip);
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as EvidenceManifest;
    expect(manifest.checkpointKey?.pem).toContain('BEGIN PUBLIC KEY');
    const formats = new TextDecoder()
      .decode(files['events.jsonl'])
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { format: number }).format);
    expect(new Set(formats)).toEqual(new Set([3]));
    const verdict = await verify(zip);
    expect(verdict.findings).toEqual([]);
    expect(verdict.summary).toMatchObject({ events: 10, anchoredEvents: 9 });
    expect(verdict.summary?.receipt).not.toBeNull();
  });

  it('names an event whose content changed and a checkpoint whose SM2 signature does not verify', async () => {
    const files = unzipSync(zip);
    const lines = new TextDecoder().decode(files['events.jsonl']).trimEnd().split('\n');
    const event = JSON.parse(lines[1]!) as { seq: number; actor: string };
    lines[1] = JSON.stringify({ ...event, actor: 'E-999' });
    files['events.jsonl'] = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const anchors = JSON.parse(new TextDecoder().decode(files['anchors.json']));
    anchors.checkpoint.signature = signedByAnotherSm2Key(anchors.checkpoint);
    files['anchors.json'] = new TextEncoder().encode(JSON.stringify(anchors));
    const verdict = await verify(zipSync(files));
    expect(verdict.findings.map((f) => [f.kind, f.item])).toEqual(
      expect.arrayContaining([
        ['event-altered', `event #${event.seq}`],
        ['checkpoint-invalid', 'checkpoint'],
      ]),
    );
  });
});

/** A valid SM2 signature of the checkpoint, by a key that is not the venue's. */
function signedByAnotherSm2Key(checkpoint: Checkpoint): string {
  const pem = generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  return checkpointSigner(pem.toString()).sign(checkpointManifest(checkpoint));
}
