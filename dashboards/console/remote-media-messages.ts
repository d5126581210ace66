import { translator } from '../i18n/index.ts';

/** Text of the guest rooms' live view and intercom calls in a remote session (apart from messages.ts, so work merges cleanly). */
const zh = {
  watchGuestRoom: '查看分会场（{venue}）实时画面',
  guestRoomLive: '分会场（{venue}）实时画面',
  closeGuestRoom: '关闭画面',
  callGuestRoom: '呼叫分会场（{venue}）对讲',
  guestCall: '分会场（{venue}）对讲',
  callState_connecting: '连接中',
  callState_ringing: '振铃中',
  callState_talking: '通话中',
  callState_ended: '已结束',
  hangup: '挂断',
};

const en: { [K in keyof typeof zh]: string } = {
  watchGuestRoom: 'Watch the guest room at {venue}',
  guestRoomLive: 'Guest room at {venue}, live',
  closeGuestRoom: 'Close the view',
  callGuestRoom: "Call the guest room's intercom at {venue}",
  guestCall: 'Guest room intercom at {venue}',
  callState_connecting: 'connecting',
  callState_ringing: 'ringing',
  callState_talking: 'talking',
  callState_ended: 'ended',
  hangup: 'Hang up',
};

export const tm = translator({ 'zh-CN': zh, en });
