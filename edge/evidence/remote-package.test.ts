// A remote session's package (远程异地): the host's and a guest venue's own packages side by side, each verified
// with its own venue's key; a part altered, from another session or signed by another venue fails by name.
import { rmSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, type Fixture, SESSION } from './evidence-fixture.ts';
import { exportEvidence } from './export-evidence.ts';
import { combineRemoteParts } from './remote-package.ts';
import { verifyEvidence } from './verify-evidence.ts';

const verify = (files: Record<string, Uint8Array>) => verifyEvidence(new Map(Object.entries(files)));

describe('remote session evidence package', () => {
  const fixtures: Fixture[] = [];
  let host: Uint8Array;
  let guest: Uint8Array;

  beforeAll(async () => {
    fixtures.push(buildFixture({ venue: 'jincheng' }), buildFixture({ venue: 'gaoping' }));
    host = (await exportEvidence(fixtures[0]!.source, SESSION, 'auditor-1')).zip;
    guest = (await exportEvidence(fixtures[1]!.source, SESSION, 'hub:jincheng')).zip;
  });
  afterAll(() => {
    for (const f of fixtures) {
      f.db.close();
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  const combined = () =>
    unzipSync(
      combineRemoteParts(SESSION, 'jincheng', [
        { venue: 'jincheng', role: 'host', zip: host },
        { venue: 'gaoping', role: 'guest', zip: guest },
      ]),
    );

  it("verifies both venues' parts, each with its own venue key", async () => {
    const files = combined();
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['parts.json', 'verify.html', 'jincheng/manifest.sig', 'gaoping/manifest.sig']),
    );
    const verdict = await verify(files);
    expect(verdict.findings).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.parts!.map((p) => [p.venue, p.role, p.verdict.ok, p.verdict.summary!.venue])).toEqual([
      ['jincheng', 'host', true, 'jincheng'],
      ['gaoping', 'guest', true, 'gaoping'],
    ]);
    expect(verdict.parts![0]!.verdict.summary!.keyId).not.toBe(verdict.parts![1]!.verdict.summary!.keyId);
  });

  it.each([
    {
      what: "a guest event's content changed",
      change: (f: Record<string, Uint8Array>) => {
        const text = new TextDecoder().decode(f['gaoping/events.jsonl']);
        f['gaoping/events.jsonl'] = new TextEncoder().encode(text.replace('room-1', 'room-9'));
      },
      expect: ['gaoping: events.jsonl', 'file-altered'],
    },
    {
      what: 'a part claimed for another venue than the one that signed it',
      change: (f: Record<string, Uint8Array>) => {
        const index = JSON.parse(new TextDecoder().decode(f['parts.json'])) as { parts: { venue: string }[] };
        index.parts[1]!.venue = 'qinshui';
        f['parts.json'] = new TextEncoder().encode(JSON.stringify(index));
      },
      expect: ['qinshui: manifest', 'part-mismatch'],
    },
    {
      what: 'a part of another session',
      change: (f: Record<string, Uint8Array>) => {
        const index = JSON.parse(new TextDecoder().decode(f['parts.json'])) as { session: string };
        index.session = 'another-session';
        f['parts.json'] = new TextEncoder().encode(JSON.stringify(index));
      },
      expect: ['jincheng: manifest', 'part-mismatch'],
    },
    {
      what: 'a file slipped in outside the parts',
      change: (f: Record<string, Uint8Array>) => {
        f['extra.txt'] = new TextEncoder().encode('x');
      },
      expect: ['extra.txt', 'file-unlisted'],
    },
  ])('fails when $what', async ({ change, expect: [item, kind] }) => {
    const files = combined();
    change(files);
    const verdict = await verify(unzipSync(zipSync(files)));
    expect(verdict.ok).toBe(false);
    expect(verdict.findings.map((f) => [f.item, f.kind])).toContainEqual([item, kind]);
  });
});
