// verify, second half: the log against its anchors outside the database. The chain alone cannot show a cut
// tail, a chain re-hashed after an edit, or a log replaced wholesale; signed checkpoints and the city's receipts
// can. Each problem is reported as a finding, beside the chain's own.
import { type AnchorProblem, type AnchorSources, readAnchors } from './anchors.ts';
import type { Db } from './database.ts';
import { type Digest, eventLeaf, MerkleFrontier } from './merkle.ts';
import { toHex } from './merkle-verify.ts';
import { treeDigest } from './suites.ts';

export type AnchorFindingKind = 'tail-truncated' | 'rehashed' | 'log-replaced' | 'no-anchors' | AnchorProblem['kind'];

export interface AnchorFinding {
  kind: AnchorFindingKind;
  /** What was found, in English (the CLI and logs). */
  message: string;
  /** The same in Chinese (the console). */
  zh: string;
  detail: Record<string, unknown>;
  /** Seq of the `record.loss-acknowledged` event an administrator recorded for it, if any. */
  acknowledgedAt?: number;
}

export interface AnchorVerdict {
  ok: boolean;
  /** Valid checkpoints and receipts the log was compared with. */
  checkpoints: number;
  receipts: number;
  /** How many of them the log matches (same Merkle root and head hash at their size). */
  matched: number;
  /** The largest size a matching anchor vouches for: the log up to here is what the venue signed. */
  anchoredUpTo: number;
  findings: AnchorFinding[];
}

interface Compared {
  size: number;
  root: string;
  headHash: string;
  at: number;
  source: 'checkpoint' | 'receipt';
  result: 'match' | 'beyond' | 'differs';
  differs?: ('root' | 'head hash')[];
}

const PROBLEM_ZH: Record<AnchorProblem['kind'], string> = {
  'checkpoint-invalid': '检查点文件被改动（签名不符）',
  'receipt-invalid': '平台回执无效',
  'receipt-unmatched': '平台回执与任何检查点不符',
};

export function verifyAnchors(db: Db, sources: AnchorSources): AnchorVerdict {
  const anchors = readAnchors(sources);
  const findings: AnchorFinding[] = anchors.problems.map((p) => ({
    kind: p.kind,
    message: `${p.file} line ${p.line}: ${p.message}`,
    zh: `${PROBLEM_ZH[p.kind]}：${p.file} 第 ${p.line} 行`,
    detail: { file: p.file, line: p.line },
  }));
  const list = [
    ...anchors.checkpoints.map((c) => ({ ...c, source: 'checkpoint' as const })),
    ...[...anchors.receipts, ...anchors.orphanReceipts].map((r) => ({
      ...r,
      at: r.checkpointAt,
      source: 'receipt' as const,
    })),
  ];
  // One pass over the log per suite the anchors use (a venue that switched to 国密 has both).
  const suites = [...new Set(list.map((a) => a.suite))];
  const heads = new Map(
    suites.map((suite) => [
      suite,
      treeHeadsAt(
        db,
        list.filter((a) => a.suite === suite).map((a) => a.size),
        treeDigest(suite),
      ),
    ]),
  );
  const count =
    heads.values().next().value?.count ?? (db.prepare('SELECT count(*) FROM events').pluck().get() as number);
  const compared: Compared[] = list.map((a) => {
    const base = { size: a.size, root: a.root, headHash: a.headHash, at: a.at, source: a.source };
    const ours = heads.get(a.suite)!.at.get(a.size);
    if (!ours) return { ...base, result: 'beyond' };
    const differs: Compared['differs'] = [];
    if (ours.root !== a.root) differs.push('root');
    if (ours.headHash !== a.headHash) differs.push('head hash');
    return differs.length ? { ...base, result: 'differs', differs } : { ...base, result: 'match' };
  });
  const matched = compared.filter((c) => c.result === 'match');
  const anchoredUpTo = Math.max(0, ...matched.map((c) => c.size));
  const acknowledgements = lossAcknowledgements(db);
  const acknowledged = (signedAt: number) => acknowledgements.find((a) => a.at >= signedAt)?.seq;

  if (list.length === 0 && count > 0) {
    findings.push({
      kind: 'no-anchors',
      message: `no valid checkpoint or receipt: the ${count} events are anchored nowhere outside the database`,
      zh: `没有有效的检查点或回执：${count} 条事件在数据库之外没有任何锚定`,
      detail: { events: count },
    });
  }
  const beyond = compared.filter((c) => c.result === 'beyond').sort((a, b) => b.size - a.size)[0];
  if (beyond) {
    findings.push({
      kind: 'tail-truncated',
      message: `the log holds ${count} events but a signed ${beyond.source} says the record held ${beyond.size}: the last ${beyond.size - count} are missing`,
      zh: `记录被截断：日志只有 ${count} 条事件，已签名的${beyond.source === 'receipt' ? '平台回执' : '检查点'}记载 ${beyond.size} 条，缺少最后 ${beyond.size - count} 条`,
      detail: { logEvents: count, signedSize: beyond.size, missing: beyond.size - count, source: beyond.source },
      acknowledgedAt: acknowledged(beyond.at),
    });
  }
  const differing = compared.filter((c) => c.result === 'differs').sort((a, b) => a.size - b.size);
  const comparable = compared.filter((c) => c.result !== 'beyond');
  if (differing.length && matched.length === 0) {
    findings.push({
      kind: 'log-replaced',
      message: `no checkpoint matches the log (${differing.length} compared, all differ): it is not the record the venue signed`,
      zh: `记录被替换：没有任何检查点与日志相符（比对 ${differing.length} 个，全部不符）`,
      detail: { compared: comparable.length, firstSignedSize: differing[0]!.size },
      acknowledgedAt: acknowledged(Math.max(...differing.map((d) => d.at))),
    });
  } else if (differing.length) {
    const first = differing[0]!;
    const lastGood = Math.max(0, ...matched.filter((m) => m.size < first.size).map((m) => m.size));
    findings.push({
      kind: 'rehashed',
      message: `the log differs from the signed ${first.source} at size ${first.size} (${first.differs!.join(' and ')}): events ${lastGood + 1}–${first.size} were changed and the chain re-hashed`,
      zh: `哈希链被重算：日志与规模为 ${first.size} 的已签名检查点不符，第 ${lastGood + 1}–${first.size} 条事件被改动`,
      detail: { from: lastGood + 1, to: first.size, differs: first.differs, source: first.source },
      acknowledgedAt: acknowledged(first.at),
    });
  }
  return {
    ok: findings.length === 0,
    checkpoints: anchors.checkpoints.length,
    receipts: anchors.receipts.length + anchors.orphanReceipts.length,
    matched: matched.length,
    anchoredUpTo,
    findings,
  };
}

/** One pass over the log's hashes: its Merkle root and head hash at each of the given sizes it reaches. */
function treeHeadsAt(
  db: Db,
  sizes: number[],
  digest: Digest,
): { count: number; at: Map<number, { root: string; headHash: string }> } {
  const wanted = new Set(sizes);
  const at = new Map<number, { root: string; headHash: string }>();
  const frontier = MerkleFrontier.empty(digest);
  // By position: a deleted event in the middle shifts every later leaf, so every later root differs.
  for (const hash of db.prepare('SELECT hash FROM events ORDER BY seq').pluck().iterate() as IterableIterator<string>) {
    frontier.append(eventLeaf(hash, digest));
    if (wanted.has(frontier.size)) at.set(frontier.size, { root: toHex(frontier.root()), headHash: hash });
  }
  if (wanted.has(0)) at.set(0, { root: toHex(MerkleFrontier.empty(digest).root()), headHash: '0'.repeat(64) });
  return { count: frontier.size, at };
}

function lossAcknowledgements(db: Db): { seq: number; at: number }[] {
  return db.prepare("SELECT seq, at FROM events WHERE type = 'record.loss-acknowledged' ORDER BY seq").all() as {
    seq: number;
    at: number;
  }[];
}
