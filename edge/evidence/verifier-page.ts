// The offline verifier page (verify.html): the auditor opens it from disk, picks the package, and the browser
// checks it with WebCrypto — nothing leaves the machine, no server is needed.
import { unzipSync } from 'fflate';
import { type EvidenceVerdict, verifyEvidence } from './verify-evidence.ts';

const TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'medium' });

const KIND_ZH: Record<string, string> = {
  'package-unreadable': '证据包无法读取',
  'manifest-signature': '清单签名不符',
  'file-missing': '文件缺失',
  'file-altered': '文件被改动',
  'file-unlisted': '清单外的文件',
  'event-missing': '事件缺失',
  'event-unlisted': '清单外的事件',
  'event-reordered': '事件顺序被改动',
  'event-altered': '事件内容被改动',
  'proof-invalid': '包含证明不成立',
  'checkpoint-invalid': '检查点签名不符',
  'receipt-invalid': '市平台回执无效',
  'footage-altered': '录像片段被改动',
  'call-altered': '对讲录音被替换',
  'part-mismatch': '异地分包不属于本场次',
};

/** Text from the package into HTML: a crafted package must not script the page. */
const htmlText = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function show(verdict: EvidenceVerdict): void {
  const out = document.getElementById('result')!;
  out.dataset.ok = String(verdict.ok);
  const s = verdict.summary;
  const lines = [
    `<h2>${verdict.ok ? '✔ 核验通过 (verified)' : `✘ 核验未通过：${verdict.findings.length} 项问题 (FAILED)`}</h2>`,
  ];
  if (s)
    lines.push(
      `<p>场馆 ${htmlText(s.venue)} · 场次 ${htmlText(s.session)} · 场馆密钥 ${htmlText(s.keyId)} · 导出于 ${TIME.format(new Date(s.exportedAt))}</p>`,
      `<p>事件 ${s.events} 条（${s.anchoredEvents} 条有包含证明）· 录像片段 ${s.footage} · 对讲录音 ${s.calls} · 文件 ${s.files}</p>`,
      `<p>检查点：${s.checkpoint ? `${s.checkpoint.size} 条，${TIME.format(new Date(s.checkpoint.at))}` : '无'} · 市平台回执：${s.receipt ? `${htmlText(s.receipt.platformKeyId)}，${TIME.format(new Date(s.receipt.receivedAt))}` : '无'}</p>`,
    );
  // A remote session (远程异地): each venue's part, signed by its own venue.
  for (const p of verdict.parts ?? [])
    lines.push(
      `<p class="part" data-venue="${htmlText(p.venue)}" data-ok="${p.verdict.ok}">${p.role === 'host' ? '主场' : '客场'} ${htmlText(p.venue)}：${p.verdict.ok ? '✔' : '✘'} 事件 ${p.verdict.summary?.events ?? 0} 条 · 场馆密钥 ${htmlText(p.verdict.summary?.keyId ?? '—')}</p>`,
    );
  const li = (cls: string, body: string) => {
    const el = document.createElement('li');
    el.className = cls;
    el.textContent = body;
    return el;
  };
  out.innerHTML = lines.join('');
  const list = document.createElement('ul');
  list.id = 'findings';
  for (const f of verdict.findings) {
    const el = li('finding', `${KIND_ZH[f.kind] ?? f.kind} [${f.kind}] ${f.item}: ${f.message}`);
    el.dataset.kind = f.kind;
    el.dataset.item = f.item;
    list.append(el);
  }
  for (const n of verdict.notes) list.append(li('note', `注意：${n}`));
  out.append(list);
}

document.getElementById('package')!.addEventListener('change', async (ev) => {
  const file = (ev.target as HTMLInputElement).files?.[0];
  if (!file) return;
  const out = document.getElementById('result')!;
  delete out.dataset.ok;
  out.textContent = '核验中…';
  try {
    const entries = unzipSync(new Uint8Array(await file.arrayBuffer()));
    show(await verifyEvidence(new Map(Object.entries(entries))));
  } catch (err) {
    show({
      ok: false,
      notes: [],
      summary: null,
      findings: [{ kind: 'package-unreadable', item: file.name, message: (err as Error).message }],
    });
  }
});
