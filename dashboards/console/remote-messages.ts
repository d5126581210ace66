import { locale, translator } from '../i18n/index.ts';

/** Text of the remote-session views (guest rooms at the host, guest alarms); apart from messages.ts so work merges cleanly. */
const zh = {
  guestRooms: '远程异地评标 · 客场评标室',
  guestRoom: '客场 · {venue} {room}',
  guestCheckins: '客场签到 {n}',
  guestNoCheckins: '客场尚无签到',
  guestAlarms: '客场预警 {n}',
  guestLastEvent: '最近事件 {at}（本场收到 {received}）',
  guestNoEvents: '尚未收到客场事件',
  gapOpen: '与客场中断：自 {from} 起，恢复后补传',
  gapClosed: '中断 {from}–{to}，已补传 {n} 条',
  guestVenueMark: '客场',
  hostedRemote: '远程异地（本场为主场，客场：{venues}）',
  linkDown: '与市平台的连接中断：客场画面不再更新',
  callRinging: '客场对讲呼叫中（{at}）',
  callEnded: '客场通话 {at}，{s} 秒',
  callMissed: '客场未接呼叫 {at}',
  deviceOffline: '{device} 离线 {at}',
  deviceBack: '{device} 已恢复 {at}',
};

const en: { [K in keyof typeof zh]: string } = {
  guestRooms: 'Remote sessions · guest rooms',
  guestRoom: 'Guest · {venue} {room}',
  guestCheckins: 'Guest check-ins {n}',
  guestNoCheckins: 'No guest check-ins yet',
  guestAlarms: 'Guest alarms {n}',
  guestLastEvent: 'Last event {at} (received here {received})',
  guestNoEvents: 'Nothing received from the guest venue yet',
  gapOpen: 'Guest room out of sight since {from}; it catches up once back',
  gapClosed: 'Gap {from}–{to}, {n} events caught up',
  guestVenueMark: 'Guest venue',
  hostedRemote: 'Remote (hosted here; guest venues: {venues})',
  linkDown: 'Link to the city hub down: guest rooms are not updated',
  callRinging: 'Guest room calling ({at})',
  callEnded: 'Guest call {at}, {s} s',
  callMissed: 'Unanswered guest call {at}',
  deviceOffline: '{device} offline since {at}',
  deviceBack: '{device} back online {at}',
};

export const tr = translator({ 'zh-CN': zh, en });

/** The five Jincheng venues ("1+4"), as the console names them; another venue shows its id. */
const VENUE_NAMES: Record<string, { 'zh-CN': string; en: string }> = {
  jincheng: { 'zh-CN': '晋城市', en: 'Jincheng' },
  gaoping: { 'zh-CN': '高平', en: 'Gaoping' },
  yangcheng: { 'zh-CN': '阳城', en: 'Yangcheng' },
  lingchuan: { 'zh-CN': '陵川', en: 'Lingchuan' },
  qinshui: { 'zh-CN': '沁水', en: 'Qinshui' },
};

export const venueName = (id: string) => VENUE_NAMES[id]?.[locale.value] ?? id;
