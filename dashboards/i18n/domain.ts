import { ALARM_KINDS } from '../../edge/alerts/alarm-kinds.ts';
import type { Dictionaries } from './index.ts';

// Labels for the venue's shared vocabulary, used by every page (console, kiosk, displays).

export const SESSION_STATE_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': {
    scheduled: '待开始',
    'checkin-open': '签到中',
    'in-progress': '评标中',
    suspended: '暂停',
    completed: '已结束',
    archived: '已归档',
    cancelled: '已取消',
  },
  en: {
    scheduled: 'Scheduled',
    'checkin-open': 'Check-in open',
    'in-progress': 'In progress',
    suspended: 'Suspended',
    completed: 'Completed',
    archived: 'Archived',
    cancelled: 'Cancelled',
  },
};

export const ALARM_LEVEL_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': { '1': '一般', '2': '较重', '3': '严重' },
  en: { '1': 'Minor', '2': 'Major', '3': 'Critical' },
};

export const ALARM_STATE_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': { raised: '未处理', acknowledged: '已确认', resolved: '已解决' },
  en: { raised: 'Raised', acknowledged: 'Acknowledged', resolved: 'Resolved' },
};

/** Alarm kind labels, from the one catalogue the edge raises alarms from. */
export const ALARM_KIND_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': Object.fromEntries(Object.entries(ALARM_KINDS).map(([kind, info]) => [kind, info.label['zh-CN']])),
  en: Object.fromEntries(Object.entries(ALARM_KINDS).map(([kind, info]) => [kind, info.label.en])),
};

export const DEVICE_KIND_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': {
    'face-terminal': '人脸核验终端',
    gate: '速通门',
    door: '门禁控制器',
    locker: '手机柜',
    rtls: '定位引擎',
    display: '信息屏',
    intercom: '对讲分机',
    'fire-panel': '消防主机',
    camera: '摄像机',
  },
  en: {
    'face-terminal': 'Face terminal',
    gate: 'Speed gate',
    door: 'Door controller',
    locker: 'Phone locker',
    rtls: 'Positioning engine',
    display: 'Display',
    intercom: 'Intercom station',
    'fire-panel': 'Fire panel',
    camera: 'Camera',
  },
};

export const ROLE_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': { administrator: '管理员', witness: '见证/监督', auditor: '审计', operator: '运维' },
  en: { administrator: 'Administrator', witness: 'Witness / supervisor', auditor: 'Auditor', operator: 'Operator' },
};

/** How a person was verified (the `method` of check-in and access events). */
export const VERIFICATION_METHOD_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': {
    'id-card+face': '人证核验',
    'face-1:n': '人脸比对',
    manual: '人工核验',
    badge: '定位卡',
    'staff-card': '工作证',
  },
  en: {
    'id-card+face': 'ID card + face',
    'face-1:n': 'Face 1:N',
    manual: 'Manual',
    badge: 'Badge',
    'staff-card': 'Staff card',
  },
};

export const ZONE_TYPE_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': {
    'public-hall': '公共大厅',
    'evaluation-zone': '评标区',
    'evaluation-room': '评标室',
    restroom: '卫生间',
    'locker-area': '手机存放区',
    'witness-room': '见证室',
    corridor: '走廊',
    dining: '就餐区',
    stairwell: '楼梯间',
    'lift-lobby': '电梯厅',
  },
  en: {
    'public-hall': 'Public hall',
    'evaluation-zone': 'Evaluation zone',
    'evaluation-room': 'Evaluation room',
    restroom: 'Restroom',
    'locker-area': 'Locker area',
    'witness-room': 'Witness room',
    corridor: 'Corridor',
    dining: 'Dining area',
    stairwell: 'Stairwell',
    'lift-lobby': 'Lift lobby',
  },
};

export const DOOR_KIND_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': { 'zone-door': '区域门', 'room-door': '评标室门', 'speed-gate': '速通门', exit: '出口' },
  en: { 'zone-door': 'Zone door', 'room-door': 'Room door', 'speed-gate': 'Speed gate', exit: 'Exit' },
};
