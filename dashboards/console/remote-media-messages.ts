import { translator } from '../i18n/index.ts';

/** Text of the guest rooms' live view in a remote session (apart from messages.ts, so work merges cleanly). */
const zh = {
  watchGuestRoom: '查看分会场（{venue}）实时画面',
  guestRoomLive: '分会场（{venue}）实时画面',
  closeGuestRoom: '关闭画面',
};

const en: { [K in keyof typeof zh]: string } = {
  watchGuestRoom: 'Watch the guest room at {venue}',
  guestRoomLive: 'Guest room at {venue}, live',
  closeGuestRoom: 'Close the view',
};

export const tr = translator({ 'zh-CN': zh, en });
