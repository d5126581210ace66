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
const clock = (ms: number | null) =>
  ms === null
    ? '—'
    : new Date(ms).toLocaleTimeString('zh-CN', {
        hour: '2-digit',
        minute: '2-digit',
        hour12: false,
        timeZone: TIME_ZONE,
      });

function text(tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (className) el.className = className;
  return el;
}

function render(): void {
  const main = document.getElementById('board')!;
  if (!current) return;
  const ticked = Math.floor((Date.now() - receivedAt) / 1000);
  main.replaceChildren(
    ...current.rooms.map((r) => {
      const section = document.createElement('section');
      section.className = 'room';
      section.dataset.room = r.room;
      section.dataset.state = r.state;
      const running = r.state === 'evaluating';
      const rows: [string, string][] = [
        ['项目编号', r.projectCode ?? '—'],
        ['开始时间', clock(r.startedAt ?? r.scheduledStart)],
        ['已用时间', duration(r.elapsedS + (running ? ticked : 0))],
        ['剩余时间', duration(Math.max(0, r.remainingS - (r.state === 'ended' ? 0 : ticked)))],
        ['签到进度', `${r.checkin.done} / ${r.checkin.expected}`],
      ];
      const dl = document.createElement('dl');
      for (const [k, v] of rows) dl.append(text('dt', k), text('dd', v));
      section.append(text('h2', r.roomName), text('div', r.stateLabel, `state ${r.state}`), dl);
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
connect();
