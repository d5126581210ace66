import { translator } from '../../i18n/index.ts';

/** Text of the replay page's event markers and evidence export (apart from panel-messages.ts, so work merges cleanly). */
const zh = {
  markers: '事件',
  markerCheckin: '签到',
  markerDoor: '门禁',
  markerAlarm: '告警',
  markerCall: '对讲',
  markerState: '状态变更',
  markerOther: '其他',
  noFootageAt: '{time} 无录像',
  exportEvidence: '导出证据包',
  exporting: '正在导出…',
  exportFailed: '导出失败：{error}',
};

const en: typeof zh = {
  markers: 'Events',
  markerCheckin: 'Check-in',
  markerDoor: 'Door',
  markerAlarm: 'Alarm',
  markerCall: 'Call',
  markerState: 'State change',
  markerOther: 'Other',
  noFootageAt: 'No footage at {time}',
  exportEvidence: 'Export evidence package',
  exporting: 'Exporting…',
  exportFailed: 'Export failed: {error}',
};

export const tr = translator({ 'zh-CN': zh, en });
