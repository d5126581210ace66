// Alarms as the national data spec's project-alarm data set (《公共资源交易平台系统数据规范》V2.0, 16 监管信息数据集:
// 16.2 项目报警信息, code set 16.5.3 报警等级). The spec's section numbers are confirmed from its table of contents;
// its element identifiers were not available here, so the keys below are HallEdge's and the mapping in
// docs/sync.md must be confirmed against the published spec before production use.
import { ALARM_KINDS, type AlarmCategory, isAlarmKind } from '../alerts/alarm-kinds.ts';
import { ALARM_LEVELS, type AlarmLevel } from '../alerts/alarms.ts';

/** 报警类型: HallEdge's grouping of its alarm kinds (to be aligned with the spec's code list when confirmed). */
export const ALARM_CATEGORIES: Record<AlarmCategory | 'other', { code: string; zh: string; en: string }> = {
  personnel: { code: '01', zh: '人员异常', en: 'person out of place' },
  discipline: { code: '02', zh: '纪律违规', en: 'discipline breach' },
  access: { code: '03', zh: '出入口异常', en: 'door or gate' },
  equipment: { code: '04', zh: '设备异常', en: 'equipment' },
  safety: { code: '05', zh: '安全事件', en: 'safety' },
  system: { code: '06', zh: '系统异常', en: 'system' },
  other: { code: '99', zh: '其他', en: 'other' },
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

/** The place id an alarm's 报警内容 names (what projectAlarm put in its closing brackets), or null. */
export function alarmPlace(content: string): string | null {
  return /（([A-Za-z0-9][A-Za-z0-9_.:@-]{0,95})）$/.exec(content)?.[1] ?? null;
}

export function projectAlarm(input: {
  alarmId: string;
  kind: string;
  level: AlarmLevel;
  at: number;
  place: string | null;
}): ProjectAlarm {
  // Kinds recorded by an older version may be missing from the catalogue: they still go up, as 其他.
  const known = isAlarmKind(input.kind) ? ALARM_KINDS[input.kind] : null;
  const category = ALARM_CATEGORIES[known?.category ?? 'other'];
  const what = known?.report ?? input.kind;
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
