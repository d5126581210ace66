import { translator } from '../i18n/index.ts';

/** Text of the witness actions (alarm actions, manual verification); apart from messages.ts so work merges cleanly. */
const zh = {
  acknowledge: '确认',
  resolve: '解决',
  'approve-reentry': '准许再入场',
  'approve-late': '准许迟到入场',
  'refuse-late': '拒绝迟到入场',
  'end-fire-mode': '解除消防模式',
  actionNote: '处理说明（必填）',
  manualVerifyTitle: '人工核验 {who}',
  idChecked: '已当面核对身份证件与本人一致',
  manualReason: '人工核验原因（必填，如：人脸比对失败）',
  manualNote: '已核对身份证件。{reason}',
  noticeOpen: '发送屏幕通知',
  noticeTitle: '评标室信息屏通知',
  noticeTemplate: '通知模板',
  noticeSeat: '座位号',
  seatNumber: '{n}号座',
  noticePseudonym: '专家编号',
  noticeMinutes: '分钟',
  noticeSend: '发送',
  noticeResult: '已送达 {ok} 块屏幕，未送达 {failed} 块',
  stackMore: '另有 {n} 条未处理预警',
  rollCallTitle: '火警后点名',
  rollCallHint: '勾选已回到集合点的专家；未勾选的记为缺席并产生预警，其再入场需见证人准许。',
};

const en: { [K in keyof typeof zh]: string } = {
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
  'approve-reentry': 'Allow re-entry',
  'approve-late': 'Admit late arrival',
  'refuse-late': 'Refuse late arrival',
  'end-fire-mode': 'End fire mode',
  actionNote: 'Note (required)',
  manualVerifyTitle: 'Manual verification of {who}',
  idChecked: 'ID document checked in person against the expert',
  manualReason: 'Reason for manual verification (required, e.g. face match failed)',
  manualNote: 'ID document checked. {reason}',
  noticeOpen: 'Notice to the boards',
  noticeTitle: "Notice to the room's boards",
  noticeTemplate: 'Template',
  noticeSeat: 'Seat',
  seatNumber: 'seat {n}',
  noticePseudonym: 'Pseudonym',
  noticeMinutes: 'Minutes',
  noticeSend: 'Send',
  noticeResult: 'Delivered to {ok} board(s), {failed} not delivered',
  stackMore: '{n} more alarm(s) not taken on',
  rollCallTitle: 'Roll call after the fire',
  rollCallHint:
    'Tick the experts who are back at the assembly point; the others are recorded absent (an alarm each), and their re-entry needs a witness.',
};

export const ta = translator({ 'zh-CN': zh, en });
