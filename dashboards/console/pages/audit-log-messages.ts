import { translator } from '../../i18n/index.ts';

/** Text of the audit log viewer (apart from messages.ts, so work merges cleanly). */
const zh = {
  pageAudit: '审计日志',
  person: '人员',
  action: '行为',
  session: '评标活动',
  from: '起',
  to: '止',
  anyAction: '全部',
  apply: '查询',
  older: '更早的记录',
  time: '时间',
  what: '内容',
  none: '没有符合条件的记录',
  replayed: '回放',
  viewed: '查看',
  exported: '导出',
  names: '查看姓名',
  denied: '被拒绝',
  changed: '操作',
  'signed-in': '登录/退出',
};

const en: typeof zh = {
  pageAudit: 'Audit log',
  person: 'Person',
  action: 'Action',
  session: 'Session',
  from: 'From',
  to: 'To',
  anyAction: 'All',
  apply: 'Search',
  older: 'Older entries',
  time: 'Time',
  what: 'What',
  none: 'No entries match',
  replayed: 'Replayed',
  viewed: 'Viewed',
  exported: 'Exported',
  names: 'Saw names',
  denied: 'Refused',
  changed: 'Changed',
  'signed-in': 'Signed in/out',
};

export const ta = translator({ 'zh-CN': zh, en });
