// The catalogue of every alarm kind HallEdge raises. One place, so that the console's labels (zh-CN and
// English), the upstream 项目报警信息 (报警类型 category and 报警内容 text) and the code that raises alarms
// cannot drift apart: `AlarmEngine.raise` accepts only a kind listed here.

/** HallEdge's grouping of alarm kinds; edge/sync/national-alarm.ts maps it to the spec's 报警类型 codes. */
export type AlarmCategory = 'personnel' | 'discipline' | 'access' | 'equipment' | 'safety' | 'system';

interface AlarmKindInfo {
  category: AlarmCategory;
  /** Short label on console pages. */
  label: { 'zh-CN': string; en: string };
  /** 报警内容 sent upstream: what happened, in a sentence. */
  report: string;
}

const kind = (category: AlarmCategory, zh: string, en: string, report: string): AlarmKindInfo => ({
  category,
  label: { 'zh-CN': zh, en },
  report,
});

export const ALARM_KINDS = {
  'unbound-badge': kind('personnel', '未绑定的定位卡', 'Unbound badge', '未绑定人员的定位标签进入评标区'),
  stranger: kind('personnel', '陌生人进入评标区', 'Stranger in the zone', '评标区出现陌生人或未授权人员'),
  'unauthorised-person': kind('personnel', '未授权人员', 'Unauthorised person', '未授权人员试图进入评标区'),
  'in-wrong-room': kind(
    'personnel',
    '专家处于非本项目评标室',
    'Expert in a room not bound to their session',
    '专家进入非本项目评标室',
  ),
  'wrong-room': kind('personnel', '进入错误评标室', 'Wrong room', '专家刷开非本项目评标室'),
  'entry-window-timeout': kind('personnel', '进入时限超时', 'Entry window timed out', '签到后未在规定时间内进入评标室'),
  'left-zone': kind('personnel', '评标期间离开评标区', 'Left the zone during evaluation', '评标期间专家离开评标区'),
  'reentry-attempt': kind('personnel', '离区后试图再次进入', 'Re-entry attempt', '离开评标区后试图再次进入'),
  'cross-session-contact': kind(
    'personnel',
    '不同项目专家接触',
    'Experts of different sessions together',
    '不同项目专家接触',
  ),
  'restroom-dwell': kind('personnel', '卫生间停留过久', 'Restroom stay too long', '卫生间停留超时'),
  'phone-not-deposited': kind('discipline', '手机未存放', 'Phone not deposited', '手机未存放'),
  'phone-retrieved': kind(
    'discipline',
    '评标期间取出手机',
    'Phone taken back during evaluation',
    '评标期间专家从手机柜取出手机',
  ),
  'network-curfew': kind('discipline', '网络管控违规', 'Network curfew breach', '评标期间网络管控违规'),
  tailgating: kind('access', '尾随进入', 'Tailgating', '尾随进入'),
  'forced-open': kind('access', '门被强行打开', 'Door forced open', '门被强行打开'),
  'held-open': kind('access', '门长时间未关', 'Door held open', '门长时间未关闭'),
  'offline-decision-mismatch': kind(
    'access',
    '离线通行记录不一致',
    'Offline decision mismatch',
    '离线通行判定与规则不一致',
  ),
  'device-offline': kind('equipment', '设备离线', 'Device offline', '设备离线'),
  'camera-offline': kind('equipment', '摄像机离线', 'Camera offline', '摄像机离线'),
  'camera-clock-drift': kind('equipment', '摄像机时钟偏差', 'Camera clock drift', '摄像机时钟与系统时间偏差过大'),
  'recording-gap': kind('equipment', '录像中断', 'Recording gap', '录像中断'),
  'disk-low': kind('equipment', '磁盘空间不足', 'Disk low', '存储空间不足'),
  'badge-lost': kind('equipment', '定位卡信号丢失', 'Badge lost', '定位标签信号丢失'),
  'badge-low-battery': kind('equipment', '定位卡电量低', 'Badge battery low', '定位标签电量低'),
  'intercom-unanswered': kind('equipment', '对讲呼叫无人接听', 'Intercom call unanswered', '评标室对讲呼叫无人接听'),
  'fire-alarm': kind('safety', '消防报警', 'Fire alarm', '火灾报警'),
  'sync-lag': kind('system', '上传滞后', 'Upstream sync lagging', '向市级平台上传数据滞后'),
  'sync-rejected': kind('system', '平台拒收', 'Upstream rejected data', '市级平台拒收上传数据'),
  // ── tracking: time away from the room, head count against badges (issue 16) ──
  'away-from-room': kind(
    'personnel',
    '离开评标室超时',
    'Away from the room too long',
    '评标期间专家离开本评标室超过规定时限',
  ),
  'population-mismatch': kind(
    'personnel',
    '评标区人数与定位卡不符',
    'Head count does not match badges',
    '评标区通行计数人数与区内定位标签数不一致',
  ),
} satisfies Record<string, AlarmKindInfo>;

export type AlarmKind = keyof typeof ALARM_KINDS;

export function isAlarmKind(value: string): value is AlarmKind {
  return Object.hasOwn(ALARM_KINDS, value);
}
