// Alarms as the national data spec's project-alarm data set (《公共资源交易平台系统数据规范》V2.0, 16 监管信息数据集:
// 16.2 项目报警信息, code set 16.5.3 报警等级). The spec's section numbers are confirmed from its table of contents;
// its element identifiers were not available here, so the keys below are HallEdge's and the mapping in
// docs/sync.md must be confirmed against the published spec before production use.
import { ALARM_LEVELS, type AlarmLevel } from '../alerts/alarms.ts';

/** 报警类型: HallEdge's grouping of its alarm kinds (to be aligned with the spec's code list when confirmed). */
export const ALARM_CATEGORIES = {
  personnel: { code: '01', zh: '人员异常', en: 'person out of place' },
  discipline: { code: '02', zh: '纪律违规', en: 'discipline breach' },
  access: { code: '03', zh: '出入口异常', en: 'door or gate' },
  equipment: { code: '04', zh: '设备异常', en: 'equipment' },
  safety: { code: '05', zh: '安全事件', en: 'safety' },
  system: { code: '06', zh: '系统异常', en: 'system' },
  other: { code: '99', zh: '其他', en: 'other' },
} as const;
type Category = keyof typeof ALARM_CATEGORIES;

/** Every alarm kind raised by HallEdge's modules, with its category and the 报警内容 text. */
export const ALARM_KINDS: Record<string, { category: Category; zh: string }> = {
  'unbound-badge': { category: 'personnel', zh: '未绑定人员的定位标签进入评标区' },
  stranger: { category: 'personnel', zh: '评标区出现陌生人或未授权人员' },
  'in-wrong-room': { category: 'personnel', zh: '专家进入非本项目评标室' },
  'wrong-room': { category: 'personnel', zh: '专家刷开非本项目评标室' },
  'entry-window-timeout': { category: 'personnel', zh: '签到后未在规定时间内进入评标室' },
  'left-zone': { category: 'personnel', zh: '评标期间专家离开评标区' },
  'reentry-attempt': { category: 'personnel', zh: '离开评标区后试图再次进入' },
  'cross-session-contact': { category: 'personnel', zh: '不同项目专家接触' },
  'restroom-dwell': { category: 'personnel', zh: '卫生间停留超时' },
  'phone-not-deposited': { category: 'discipline', zh: '手机未存放' },
  'phone-retrieved': { category: 'discipline', zh: '评标期间取出手机' },
  'network-curfew': { category: 'discipline', zh: '评标期间网络管控违规' },
  tailgating: { category: 'access', zh: '尾随进入' },
  'forced-open': { category: 'access', zh: '门被强行打开' },
  'held-open': { category: 'access', zh: '门长时间未关闭' },
  'offline-decision-mismatch': { category: 'access', zh: '离线通行判定与规则不一致' },
  'device-offline': { category: 'equipment', zh: '设备离线' },
  'camera-offline': { category: 'equipment', zh: '摄像机离线' },
  'recording-gap': { category: 'equipment', zh: '录像中断' },
  'disk-low': { category: 'equipment', zh: '存储空间不足' },
  'badge-lost': { category: 'equipment', zh: '定位标签信号丢失' },
  'badge-low-battery': { category: 'equipment', zh: '定位标签电量低' },
  'fire-alarm': { category: 'safety', zh: '火灾报警' },
  'sync-lag': { category: 'system', zh: '向市级平台上传数据滞后' },
  'sync-rejected': { category: 'system', zh: '市级平台拒收上传数据' },
};

/** 处理状态 of a project alarm. */
export const HANDLE_STATES = { raised: '0', acknowledged: '1', resolved: '2' } as const;

/** The 项目报警信息 record carried in the upstream body of `alarm.*` events (keys → spec elements: docs/sync.md). */
export interface ProjectAlarm {
  /** 报警编号 */
  alarmCode: string;
  /** 报警时间, ISO 8601 venue time (+08:00). */
  alarmTime: string;
  /** 报警等级 (code set 16.5.3), from ALARM_LEVELS. */
  alarmLevel: string;
  /** 报警类型 (ALARM_CATEGORIES code). */
  alarmType: string;
  /** HallEdge's alarm kind, kept so the platform can refine the type. */
  alarmKind: string;
  /** 报警内容 */
  alarmContent: string;
  /** 处理状态 */
  handleState: string;
}

/** ISO 8601 in venue time; China keeps +08:00 all year. */
export const venueIso = (at: number): string => `${new Date(at + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;

export function projectAlarm(input: {
  alarmId: string;
  kind: string;
  level: AlarmLevel;
  at: number;
  place: string | null;
}): ProjectAlarm {
  const known = ALARM_KINDS[input.kind];
  const category = ALARM_CATEGORIES[known?.category ?? 'other'];
  const what = known?.zh ?? input.kind;
  // Keys in sorted order: the upload digest's canonical JSON then needs no re-sorting.
  return {
    alarmCode: input.alarmId,
    alarmContent: input.place ? `${what}（${input.place}）` : what,
    alarmKind: input.kind,
    alarmLevel: ALARM_LEVELS[input.level].code,
    alarmTime: venueIso(input.at),
    alarmType: category.code,
    handleState: HANDLE_STATES.raised,
  };
}
