import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AlarmEngine } from '../edge/alerts/alarms.ts';
import { catalogueProblem } from '../edge/event-catalogue.ts';
import { verifyAnchors } from '../edge/store/anchor-verify.ts';
import { anchorFiles } from '../edge/store/anchors.ts';
import { DEFAULT_CHECKPOINTS, RecordAnchor } from '../edge/store/checkpoints.ts';
import { openDatabase } from '../edge/store/database.ts';
import { type EventInput, EventLog, SM3_CHAIN_FORMAT } from '../edge/store/event-log.ts';
import { eventLeaf, MerkleFrontier, MerkleTree } from '../edge/store/merkle.ts';
import { verifyConsistency, verifyInclusion } from '../edge/store/merkle-verify.ts';
import { checkpointSigner, treeDigest } from '../edge/store/suites.ts';
import { verifyChain } from '../edge/store/verify.ts';
import type { BenchRow } from './types.ts';

/** A door decision as access-service.ts records it (its catalogue schema is what the check row measures). */
export const doorDecision = (i: number, person: string): EventInput<'access.granted'> => ({
  type: 'access.granted',
  session: 'S-2026-0001',
  actor: person,
  method: 'face',
  subject: 'door-room-2',
  data: {
    device: 'door-room-2',
    door: 'door-room-2',
    requestId: `r${i}`,
    grantId: `g${i}`,
    direction: 'in',
    movement: 'room-entry',
    credential: { type: 'face', value: person },
    personKind: 'expert',
    reason: 'session-room',
    reasonZh: '本项目评标室',
    person,
    session: 'S-2026-0001',
    location: 'room:room-2',
    roomEntry: true,
  },
});
const sample = (i: number) => doorDecision(i, 'E-7f3a');

const signer = checkpointSigner(
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
);

/** Event-log appends with the hash chain, on a real SQLite file (WAL); the same with signed checkpoints. */
export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'halledge-bench-log-'));
  const db = openDatabase(join(dir, 'bench.db'));
  const log = new EventLog(db, 'jincheng');
  // Both logs carry the alarm projection, as on an edge; only the checkpoints differ.
  new AlarmEngine(log);
  // The same appends into a second log that signs a checkpoint every 10,000 events (the default), fsynced to
  // checkpoints.jsonl; the two take turns so machine drift hits both alike.
  const anchoredDb = openDatabase(join(dir, 'anchored.db'));
  const anchoredLog = new EventLog(anchoredDb, 'jincheng');
  const files = anchorFiles(dir);
  const anchor = new RecordAnchor(anchoredLog, {
    venue: 'jincheng',
    signer,
    checkpointFile: files.checkpoints,
    receiptFile: files.receipts,
    settings: { ...DEFAULT_CHECKPOINTS, everySeconds: 3600 },
    alarms: new AlarmEngine(anchoredLog),
    logger: pino({ level: 'silent' }),
  });
  anchor.start();
  // And a third, chained in SM3 (the 国密 suite's chain format 3), without checkpoints: its ratio to the first is
  // what SM3 costs at ingest.
  const sm3Db = openDatabase(join(dir, 'sm3.db'));
  const sm3Log = new EventLog(sm3Db, 'jincheng', SM3_CHAIN_FORMAT);
  new AlarmEngine(sm3Log);
  const checkpointTimes: number[] = [];
  anchor.on('checkpoint', () => checkpointTimes.push(performance.now()));

  const batched = 300_000;
  const batch = 1000;
  const turn = 50_000;
  let plainMs = 0;
  let anchoredMs = 0;
  let sm3Ms = 0;
  for (let start = 0; start < batched; start += turn) {
    for (const [target, add] of [
      [log, (ms: number) => (plainMs += ms)],
      [anchoredLog, (ms: number) => (anchoredMs += ms)],
      [sm3Log, (ms: number) => (sm3Ms += ms)],
    ] as const) {
      const t = performance.now();
      for (let i = start; i < start + turn; i += batch) {
        target.appendMany(Array.from({ length: batch }, (_, k) => sample(i + k)));
        // A live edge returns to the event loop between bursts; the checkpoint runs there.
        await new Promise(setImmediate);
      }
      await new Promise(setImmediate);
      add(performance.now() - t);
    }
  }
  const batchedRate = batched / (plainMs / 1000);
  const anchoredRate = batched / (anchoredMs / 1000);
  const sm3Rate = batched / (sm3Ms / 1000);

  const single = 50_000;
  let t = performance.now();
  for (let i = 0; i < single; i++) log.append(sample(i));
  const singleRate = single / ((performance.now() - t) / 1000);

  // The catalogue check alone (compiled TypeBox), on the same events: the share of an append it takes.
  const samples = Array.from({ length: 1000 }, (_, k) => sample(k));
  const checks = 300_000;
  t = performance.now();
  for (let i = 0; i < checks; i++) catalogueProblem('access.granted', samples[i % 1000]!.data);
  const checkUs = ((performance.now() - t) * 1000) / checks;
  const appendUs = 1e6 / batchedRate;

  t = performance.now();
  const verdict = verifyChain(db);
  const verifyRate = verdict.events / ((performance.now() - t) / 1000);
  t = performance.now();
  const sm3Verdict = verifyChain(sm3Db);
  const sm3VerifyRate = sm3Verdict.events / ((performance.now() - t) / 1000);
  if (!sm3Verdict.ok) throw new Error('the SM3 chain does not verify');

  // One checkpoint on its own: 10,000 new leaves folded in, signed, fsynced.
  anchoredLog.appendMany(Array.from({ length: 10_000 }, (_, k) => sample(k)));
  t = performance.now();
  await anchor.checkpoint();
  const checkpointMs = performance.now() - t;
  await anchor.stop();

  t = performance.now();
  const anchors = verifyAnchors(anchoredDb, { ...anchor.sources });
  const anchorVerifyRate = anchoredLog.head.seq / ((performance.now() - t) / 1000);
  if (!anchors.ok) throw new Error(`anchored log does not verify: ${anchors.findings[0]?.message}`);

  // Proofs against the anchored log's tree (310,000 events): sizes and how fast WebCrypto verifies them.
  const hashes = anchoredDb.prepare('SELECT hash FROM events ORDER BY seq').pluck().all() as string[];
  const tree = new MerkleTree(hashes.map((h) => eventLeaf(h)));
  const size = tree.size;
  const inclusion = tree.inclusionProof(Math.floor(size / 3), size);
  const consistency = tree.consistencyProof(size - 10_000, size);
  const root = tree.root();
  const leaf = eventLeaf(hashes[Math.floor(size / 3)]!);
  const proofs = 1000;
  t = performance.now();
  for (let i = 0; i < proofs; i++) await verifyInclusion(Math.floor(size / 3), size, leaf, inclusion, root);
  const inclusionVerifyUs = ((performance.now() - t) / proofs) * 1000;
  if (!(await verifyConsistency(size - 10_000, size, tree.root(size - 10_000), root, consistency)))
    throw new Error('consistency proof does not verify');

  // The same checkpoint's work in each suite, without the disk: 10,000 leaves folded, one signature.
  const suiteMs = (suite: 'ed25519-sha256' | 'sm2-sm3', sign: (bytes: Uint8Array) => string) => {
    const start = performance.now();
    const frontier = MerkleFrontier.empty(treeDigest(suite));
    for (const h of hashes.slice(0, 10_000)) frontier.append(eventLeaf(h, treeDigest(suite)));
    sign(frontier.root());
    return performance.now() - start;
  };
  const sm2Signer = checkpointSigner(
    generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const ed25519SuiteMs = suiteMs('ed25519-sha256', signer.sign);
  const sm2SuiteMs = suiteMs('sm2-sm3', sm2Signer.sign);

  anchoredDb.close();
  sm3Db.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return [
    {
      area: 'event log',
      metric: `append, hash chain, ${batch}/transaction`,
      value: Math.round(batchedRate),
      unit: 'events/s',
      target: '≥ 50,000',
    },
    {
      area: 'event log',
      metric: `same, signed checkpoint every ${DEFAULT_CHECKPOINTS.everyEvents.toLocaleString('en-US')} (${checkpointTimes.length} signed)`,
      value: Math.round(anchoredRate),
      unit: 'events/s',
      target: '≥ 50,000',
    },
    {
      area: 'event log',
      metric: `same, chained in SM3 (国密, chain format 3), ${batch}/transaction`,
      value: Math.round(sm3Rate),
      unit: 'events/s',
      target: '≥ 50,000',
    },
    {
      area: 'event log',
      metric: 'SM3 chain cost at ingest (1 − SM3/SHA-256)',
      value: `${(100 * (1 - sm3Rate / batchedRate)).toFixed(1)} %`,
      unit: '',
    },
    {
      area: 'event log',
      metric: 'checkpoint overhead (1 − with/without)',
      value: `${(100 * (1 - anchoredRate / batchedRate)).toFixed(1)} %`,
      unit: '',
    },
    {
      area: 'event log',
      metric: 'one checkpoint (10,000 new leaves, Ed25519, fsync)',
      value: Number(checkpointMs.toFixed(1)),
      unit: 'ms',
    },
    {
      area: 'event log',
      metric: 'checkpoint work without fsync (10,000 leaves + signature): Ed25519 + SHA-256',
      value: Number(ed25519SuiteMs.toFixed(1)),
      unit: 'ms',
    },
    {
      area: 'event log',
      metric: 'same in the 国密 suite: SM2 + SM3',
      value: Number(sm2SuiteMs.toFixed(1)),
      unit: 'ms',
    },
    {
      area: 'event log',
      metric: 'catalogue check of access.granted (compiled), per event',
      value: Number(checkUs.toFixed(2)),
      unit: 'µs',
    },
    {
      area: 'event log',
      metric: 'share of an append (1000/transaction) the check takes',
      value: `${((100 * checkUs) / appendUs).toFixed(1)} %`,
      unit: '',
    },
    {
      area: 'event log',
      metric: 'append, hash chain, one per transaction',
      value: Math.round(singleRate),
      unit: 'events/s',
    },
    {
      area: 'event log',
      metric: `verify chain (${verdict.events.toLocaleString('en-US')} events)`,
      value: Math.round(verifyRate),
      unit: 'events/s',
    },
    {
      area: 'event log',
      metric: `verify SM3 chain (${sm3Verdict.events.toLocaleString('en-US')} events)`,
      value: Math.round(sm3VerifyRate),
      unit: 'events/s',
    },
    {
      area: 'event log',
      metric: `verify against checkpoints (${anchors.checkpoints} checkpoints, ${size.toLocaleString('en-US')} events)`,
      value: Math.round(anchorVerifyRate),
      unit: 'events/s',
    },
    {
      area: 'event log',
      metric: `inclusion proof in a tree of ${size.toLocaleString('en-US')}: ${inclusion.length} nodes`,
      value: inclusion.length * 32,
      unit: 'bytes',
    },
    {
      area: 'event log',
      metric: `consistency proof ${(size - 10_000).toLocaleString('en-US')} → ${size.toLocaleString('en-US')}: ${consistency.length} nodes`,
      value: consistency.length * 32,
      unit: 'bytes',
    },
    {
      area: 'event log',
      metric: 'verify one inclusion proof (WebCrypto SHA-256)',
      value: Number(inclusionVerifyUs.toFixed(1)),
      unit: 'µs',
    },
  ];
}
