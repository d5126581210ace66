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

export const ALARM_KIND_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': {
    'device-offline': '设备离线',
    'camera-offline': '摄像机离线',
    'forced-open': '门被强行打开',
    'held-open': '门长时间未关',
    tailgating: '尾随进入',
    'wrong-room': '进入错误评标室',
    'entry-window-timeout': '进入时限超时',
    'reentry-attempt': '离区后试图再次进入',
    'left-zone': '评标期间离开评标区',
    stranger: '陌生人进入评标区',
    'unbound-badge': '未绑定的定位卡',
    'unauthorised-person': '未授权人员',
    'cross-session-contact': '不同项目专家接触',
    'in-wrong-room': '专家处于非本项目评标室',
    'offline-decision-mismatch': '离线通行记录不一致',
    'restroom-dwell': '卫生间停留过久',
    'badge-lost': '定位卡信号丢失',
    'badge-low-battery': '定位卡电量低',
    'fire-alarm': '消防报警',
    'phone-not-deposited': '手机未存放',
    'recording-gap': '录像中断',
    'disk-low': '磁盘空间不足',
    'sync-lag': '向市级平台上传数据滞后',
    'sync-rejected': '市级平台拒收上报数据',
  },
  en: {
    'device-offline': 'Device offline',
    'camera-offline': 'Camera offline',
    'forced-open': 'Door forced open',
    'held-open': 'Door held open',
    tailgating: 'Tailgating',
    'wrong-room': 'Wrong room',
    'entry-window-timeout': 'Entry window timed out',
    'reentry-attempt': 'Re-entry attempt',
    'left-zone': 'Left the zone during evaluation',
    stranger: 'Stranger in the zone',
    'unbound-badge': 'Unbound badge',
    'unauthorised-person': 'Unauthorised person',
    'cross-session-contact': 'Experts of different sessions together',
    'in-wrong-room': 'Expert in a room not bound to their session',
    'offline-decision-mismatch': 'Offline decision mismatch',
    'restroom-dwell': 'Restroom stay too long',
    'badge-lost': 'Badge lost',
    'badge-low-battery': 'Badge battery low',
    'fire-alarm': 'Fire alarm',
    'phone-not-deposited': 'Phone not deposited',
    'recording-gap': 'Recording gap',
    'disk-low': 'Disk low',
    'sync-lag': 'Upstream sync lagging',
    'sync-rejected': 'City platform rejected uploads',
  },
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
  },
};

export const DOOR_KIND_LABELS: Dictionaries<Record<string, string>> = {
  'zh-CN': { 'zone-door': '区域门', 'room-door': '评标室门', 'speed-gate': '速通门', exit: '出口' },
  en: { 'zone-door': 'Zone door', 'room-door': 'Room door', 'speed-gate': 'Speed gate', exit: 'Exit' },
};
