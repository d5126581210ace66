/**
 * Display page for screens that run a browser: one board (room or hall) from the hall server's WebSocket.
 * The board is pushed whole on every change; the page only ticks the timers between pushes.
 */
interface RoomBoard {
  room: string;
  roomName: string;
  projectCode: string | null;
  state: string;
  stateLabel: string;
  scheduledStart: number | null;
  scheduledEnd: number | null;
  startedAt: number | null;
  elapsedS: number;
  remainingS: number;
  checkin: { done: number; expected: number };
}
interface Board {
  kind: 'room' | 'hall';
  at: number;
  rooms: RoomBoard[];
}
type Message =
  | { type: 'content'; board: Board }
  | { type: 'notice'; notice: { noticeId: string; text: string; level: string } };

const displayId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
let current: Board | null = null;
let receivedAt = 0;

const duration = (s: number) => {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
/** Venue time (the console's i18n TIME_ZONE; not imported: the board page stays free of the console's code). */
const TIME_ZONE = 'Asia/Shanghai';
// Venue time whatever zone the screen's browser is set to (a board in a UTC-configured box showed 11:15 for 19:15).
const venueTime = (options: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat('zh-CN', { hour12: false, timeZone: TIME_ZONE, ...options });
const HOUR_MINUTE = venueTime({ hour: '2-digit', minute: '2-digit' });
const DATE_TIME = venueTime({
  month: 'long',
  day: 'numeric',
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const clock = (ms: number | null) => (ms === null ? '—' : HOUR_MINUTE.format(ms));

/**
 * Columns for `n` room cards on this screen: the grid whose cards come closest to a landscape card (1.6:1),
 * so six rooms on a 1920×1080 hall board are 3 × 2 and one room fills the screen.
 */
function columnsFor(n: number): number {
  const screen = innerWidth / Math.max(1, innerHeight);
  let best = 1;
  let bestMiss = Number.POSITIVE_INFINITY;
  for (let cols = 1; cols <= n; cols++) {
    const miss = Math.abs((screen * Math.ceil(n / cols)) / cols - 1.6);
    if (miss < bestMiss) [best, bestMiss] = [cols, miss];
  }
  return best;
}

function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

/** 已用时间: counted by the edge from the actual start (edge/displays/board.ts); nothing before the start. */
function elapsedText(r: RoomBoard, ticked: number): string {
  if (r.startedAt === null) return r.state === 'preparing' ? '未开始' : '—';
  const running = r.state === 'evaluating' || r.state === 'paused';
  return duration(r.elapsedS + (running ? ticked : 0));
}

function render(): void {
  document.getElementById('clock')!.textContent = DATE_TIME.format(Date.now());
  const main = document.getElementById('board')!;
  if (!current) return;
  const ticked = Math.floor((Date.now() - receivedAt) / 1000);
  const cols = columnsFor(current.rooms.length);
  main.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
  main.style.gridTemplateRows = `repeat(${Math.ceil(current.rooms.length / cols)}, 1fr)`;
  main.replaceChildren(
    ...current.rooms.map((r) => {
      const section = document.createElement('section');
      section.className = 'room';
      section.dataset.room = r.room;
      section.dataset.state = r.state;
      const rows: [string, string][] = [
        ['项目编号', r.projectCode ?? '—'],
        r.startedAt === null ? ['计划开始', clock(r.scheduledStart)] : ['开始时间', clock(r.startedAt)],
        ['已用时间', elapsedText(r, ticked)],
        ['剩余时间', r.state === 'idle' || r.state === 'ended' ? '—' : duration(Math.max(0, r.remainingS - ticked))],
        ['签到进度', `${r.checkin.done} / ${r.checkin.expected}`],
      ];
      const dl = document.createElement('dl');
      for (const [k, v] of rows) dl.append(text('dt', k), text('dd', v));
      const card = document.createElement('div');
      card.className = 'card';
      card.append(text('h2', r.roomName), text('div', r.stateLabel, `state ${r.state}`), dl);
      section.append(card);
      return section;
    }),
  );
}

function connect(): void {
  const socket = new WebSocket(
    `${location.origin.replace(/^http/, 'ws')}/api/displays/${encodeURIComponent(displayId)}/live`,
  );
  const offline = document.getElementById('offline')!;
  socket.onopen = () => {
    offline.hidden = true;
  };
  socket.onmessage = (m) => {
    const message = JSON.parse(String(m.data)) as Message;
    if (message.type === 'content') {
      current = message.board;
      receivedAt = Date.now();
      render();
    } else {
      const notice = document.getElementById('notice')!;
      notice.textContent = message.notice.text;
      notice.hidden = false;
      socket.send(JSON.stringify({ type: 'ack', noticeId: message.notice.noticeId }));
    }
  };
  socket.onclose = () => {
    offline.hidden = false;
    setTimeout(connect, 2000);
  };
}

setInterval(render, 1000);
addEventListener('resize', render);
connect();
