// The readable part of the evidence package: a Chinese HTML page of the session — who did what when (by the
// pseudonyms the record holds), alarms and how they ended, footage gaps, and what the package is anchored to.
import { venueTimeFormat } from '../../config/venue-time.ts';
import { type ClockDoubtSpan, clockDoubtAt } from '../clock/clock-doubt.ts';
import type { SessionRow } from '../sessions/session-service.ts';
import type { TimeRange } from '../video/coverage.ts';
import type { PackageAnchors, PackagedEvent } from './package-format.ts';

export interface SummaryInput {
  session: SessionRow;
  events: PackagedEvent[];
  checkins: number;
  cameras: { camera: string; segments: number; gaps: TimeRange[] }[];
  calls: number;
  anchors: PackageAnchors;
  /** Where the host clock was suspect: the times of events in these spans are doubtful. */
  clockDoubts: ClockDoubtSpan[];
  now: number;
}

const time = (ms: number) => venueTimeFormat('zh-CN', 'datetime').format(new Date(ms));

const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Chinese names of the kinds of events an auditor reads most; others show their type. */
const EVENT_ZH: Record<string, string> = {
  'session.scheduled': '场次排定',
  'session.state-changed': '场次状态变更',
  'session.experts-authorised': '专家授权',
  'session.late-arrival-decided': '迟到处理',
  'checkin.accepted': '签到通过',
  'checkin.refused': '签到被拒',
  'checkin.released': '签退',
  'access.passage': '门禁通行',
  'access.granted': '门禁放行',
  'access.denied': '门禁拒绝',
  'alarm.raised': '告警产生',
  'alarm.acknowledged': '告警确认',
  'alarm.resolved': '告警解除',
  'alarm.reopened': '告警重开',
  'intercom.call-ended': '对讲结束',
  'intercom.recording': '对讲录音',
};

const CLOCK_REASON_ZH: Record<ClockDoubtSpan['reason'], string> = {
  drift: '时钟偏差',
  unsynchronised: '时钟未同步',
  jumped: '时钟跳变',
};

const ALARM_END_ZH: Record<string, string> = {
  'alarm.acknowledged': '已确认',
  'alarm.resolved': '已解除',
};

export function summaryHtml(s: SummaryInput): string {
  const { session } = s;
  const alarms = alarmLifecycles(s.events);
  const rows = s.events
    .filter((e) => !e.type.startsWith('video.'))
    .map(
      (e) =>
        `<tr><td>${time(e.at)}${clockDoubtAt(s.clockDoubts, e.seq) ? ' <b>（时间存疑）</b>' : ''}</td><td>#${e.seq}</td><td>${esc(EVENT_ZH[e.type] ?? e.type)}</td><td>${esc(e.actor)}</td><td>${esc(e.subject)}</td></tr>`,
    )
    .join('');
  const alarmRows = alarms
    .map(
      (a) =>
        `<tr><td>${time(a.raisedAt)}</td><td>${esc(a.kind)}</td><td>${esc(a.level)}</td><td>${esc(a.subject)}</td><td>${esc(a.end ? `${ALARM_END_ZH[a.end.type] ?? a.end.type}（${esc(a.end.actor)}，${time(a.end.at)}）` : '未结束')}</td></tr>`,
    )
    .join('');
  const cameraRows = s.cameras
    .map(
      (c) =>
        `<tr><td>${esc(c.camera)}</td><td>${c.segments}</td><td>${c.gaps.length} 处断档${c.gaps.map((g) => `<br>${time(g.from)} – ${time(g.to)}（${Math.round((g.to - g.from) / 1000)} 秒）`).join('')}</td></tr>`,
    )
    .join('');
  const doubtful = s.events.filter((e) => clockDoubtAt(s.clockDoubts, e.seq)).length;
  const clockNote = doubtful
    ? `<p><b>时间存疑：</b>${doubtful} 条事件记录时主机时钟未同步、偏差过大或发生跳变（${s.clockDoubts.map((d) => `#${d.fromSeq}–${d.toSeq === null ? '至今' : `#${d.toSeq}`} ${CLOCK_REASON_ZH[d.reason]}${d.byMs !== undefined ? ` ${Math.round(d.byMs)} 毫秒` : ''}`).join('；')}）。事件顺序以序号和哈希链为准，不受时钟影响。</p>`
    : '';
  const cp = s.anchors.checkpoint;
  const anchor = cp
    ? `事件以签名检查点（${cp.size} 条，${time(cp.at)}）为锚${s.anchors.receipt ? `，并有市平台回执（${time(s.anchors.receipt.receivedAt)}）` : '，尚无市平台回执'}。`
    : '尚无签名检查点覆盖这些事件，仅有哈希链。';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>评标场次证据包 ${esc(session.id)}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;font-size:14px}h2{margin-top:1.5em}</style></head><body>
<h1>评标场次证据包</h1>
<table><tr><th>场次</th><td>${esc(session.id)}</td></tr><tr><th>交易编号</th><td>${esc(session.transaction_code)}</td></tr>
<tr><th>项目</th><td>${esc(session.project_code)} ${esc(session.project_name)}</td></tr><tr><th>评标室</th><td>${esc(session.room)}</td></tr>
<tr><th>计划时间</th><td>${time(session.starts_at)} – ${time(session.ends_at)}</td></tr><tr><th>状态</th><td>${esc(session.state)}</td></tr>
<tr><th>导出时间</th><td>${time(s.now)}</td></tr></table>
<p>${anchor}用包内的 verify.html（离线打开）或 <code>npm run verify-evidence</code> 核验。人员以记录中的化名标识；本包不含人脸图像。</p>
${clockNote}<h2>告警（${alarms.length}）</h2><table><tr><th>时间</th><th>类型</th><th>级别</th><th>对象</th><th>结果</th></tr>${alarmRows}</table>
<h2>录像（${s.cameras.length} 路摄像机）</h2><table><tr><th>摄像机</th><th>片段</th><th>断档</th></tr>${cameraRows}</table>
<h2>签到 ${s.checkins} 人，对讲录音 ${s.calls} 段</h2>
<h2>事件经过（${s.events.length} 条）</h2><table><tr><th>时间</th><th>序号</th><th>事件</th><th>执行者（化名）</th><th>对象</th></tr>${rows}</table>
</body></html>`;
}

interface AlarmLifecycle {
  raisedAt: number;
  kind: unknown;
  level: unknown;
  subject: string | null;
  end: PackagedEvent | null;
}

/** Each alarm raised in the session with how it ended: the last acknowledgement or resolution recorded. */
function alarmLifecycles(events: PackagedEvent[]): AlarmLifecycle[] {
  const alarms = new Map<string, AlarmLifecycle>();
  for (const e of events) {
    if (!e.type.startsWith('alarm.')) continue;
    const d = JSON.parse(e.data) as { alarmId?: string; kind?: unknown; level?: unknown };
    if (!d.alarmId) continue;
    if (e.type === 'alarm.raised')
      alarms.set(d.alarmId, { raisedAt: e.at, kind: d.kind, level: d.level, subject: e.subject, end: null });
    const alarm = alarms.get(d.alarmId);
    if (!alarm) continue;
    if (e.type === 'alarm.reopened') alarm.end = null;
    else if (e.type !== 'alarm.raised') alarm.end = e;
  }
  return [...alarms.values()];
}
