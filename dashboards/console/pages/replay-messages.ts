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
  calls: '对讲录音',
  zoomIn: '放大',
  zoomOut: '缩小',
  zoomWhole: '全场',
  playPause: '播放/暂停',
  speed: '倍速',
  keys: '空格 播放/暂停 · ←/→ 10 秒 · +/− 缩放',
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
  calls: 'Call recordings',
  zoomIn: 'Zoom in',
  zoomOut: 'Zoom out',
  zoomWhole: 'Whole session',
  playPause: 'Play/pause',
  speed: 'Speed',
  keys: 'Space play/pause · ←/→ 10 s · +/− zoom',
};

export const tr = translator({ 'zh-CN': zh, en });
