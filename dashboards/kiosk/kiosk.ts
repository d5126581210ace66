// The face terminal's kiosk page, for an expert who may be sixty and has never seen it: the ID card is read by
// the terminal's chip reader (face-terminal contract `idcard-read`, handed to this page by the edge), the camera
// captures on its own, every step is said aloud in Chinese (mutable for the venue), and the screen returns to its
// start after each result so the previous expert's details never stay on it. Served as /kiosk/; talks only to
// the page's own origin. The edge answers only enrolled terminals: the page pairs once with the administrator's
// pairing code (pair the kiosk under the face terminal's device id, so its card reads come here) and keeps the
// credential in the browser (localStorage); a revoked credential sends it back to pairing.
import { badgeName, cameraProblem, chineseOnly, lockerName, seatName } from './labels.ts';

interface CheckinAnswer {
  accepted: boolean;
  message: string;
  roomName?: string;
  seat?: string | null;
  locker?: { bank: string; compartment: number } | null;
  badge?: string | null;
  outcome?: 'accepted' | 'refused' | 'look-again';
  error?: string;
}

/** What the edge asks of a capture (GET /api/checkin/terminal). */
interface CaptureGuide {
  terminal: string;
  minFrames: number;
  minSpreadMs: number;
  maxFrames: number;
  challenge: 'off' | 'blink' | 'turn-head';
  prompt: string | null;
}

interface CardRead {
  idNumber: string;
  photo: string;
}

const CREDENTIAL_KEY = 'halledge.kiosk.credential';
const MUTED_KEY = 'halledge.kiosk.muted';
/** Three frames (five with a challenge, to catch the blink or the turn), spread a little over what is required. */
const FRAMES = 3;
const CHALLENGE_FRAMES = 5;
/** How long a result stays on screen before the page clears it for the next expert. */
const SHOW_ACCEPTED_S = 20;
const SHOW_OTHER_S = 30;
const IDLE_PROMPT = '请将身份证放在读卡区';
const WITNESS = '请联系见证人人工核验';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('camera');
const status = $<HTMLParagraphElement>('status');
const prompt = $<HTMLParagraphElement>('prompt');
const result = $<HTMLDivElement>('result');
const faceButton = $<HTMLButtonElement>('face-btn');
const muteButton = $<HTMLButtonElement>('mute');
const pairForm = $<HTMLFormElement>('pair-form');
const checkinPanel = $<HTMLDivElement>('checkin-panel');

let guide: CaptureGuide | null = null;
let lockerBanks: Record<string, string> = {};
type Phase = 'idle' | 'capturing' | 'checking' | 'result';
let phase: Phase = 'idle';
/** The card of the attempt on screen: kept for a look-again, forgotten at reset. */
let heldCard: CardRead | null = null;
let countdown: ReturnType<typeof setInterval> | undefined;
let watchingCards = false;

const credential = () => localStorage.getItem(CREDENTIAL_KEY);
const authorised = (headers: Record<string, string> = {}) => ({
  ...headers,
  authorization: `Terminal ${credential() ?? ''}`,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- voice -----------------------------------------------------------------------------------------------------

const muted = () => localStorage.getItem(MUTED_KEY) === '1';

function showMute(): void {
  muteButton.setAttribute('aria-pressed', String(muted()));
  muteButton.textContent = muted() ? '语音提示：关' : '语音提示：开';
}

/** Says `text` in Mandarin (a zh-CN voice where the system has one), a little slower than the default. */
function say(text: string): void {
  const speech = window.speechSynthesis;
  if (muted() || !speech) return;
  speech.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = 'zh-CN';
  const voices = speech.getVoices();
  const voice =
    voices.find((v) => v.lang.replace('_', '-').toLowerCase() === 'zh-cn') ??
    voices.find((v) => v.lang.startsWith('zh'));
  if (voice) utterance.voice = voice;
  utterance.rate = 0.9;
  speech.speak(utterance);
}

muteButton.addEventListener('click', () => {
  localStorage.setItem(MUTED_KEY, muted() ? '0' : '1');
  if (muted()) window.speechSynthesis?.cancel();
  showMute();
});

// ---- screen ------------------------------------------------------------------------------------------------------

function setPhase(next: Phase): void {
  phase = next;
  document.body.dataset.phase = next;
  faceButton.disabled = next === 'capturing' || next === 'checking';
}

/** Back to the start: the previous expert's result, card and messages leave the screen and the page's memory. */
function reset(): void {
  clearInterval(countdown);
  heldCard = null;
  result.hidden = true;
  result.className = '';
  result.replaceChildren();
  prompt.textContent = IDLE_PROMPT;
  setPhase('idle');
}

function block(tag: string, className: string, text: string): HTMLElement {
  const el = document.createElement(tag);
  el.className = className;
  el.textContent = text;
  return el;
}

function button(id: string, text: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = id;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

/** The answer, large: where to go when accepted, what to do otherwise; said aloud; cleared after a while. */
function show(answer: CheckinAnswer): void {
  const outcome = answer.accepted ? 'accepted' : answer.outcome === 'look-again' ? 'look-again' : 'refused';
  const message = chineseOnly(answer.message);
  result.className = outcome;
  result.dataset.outcome = outcome;
  result.replaceChildren();
  if (answer.accepted) {
    const rows: [string, string | null][] = [
      ['评标室', answer.roomName ?? null],
      ['座位', answer.seat ? seatName(answer.seat) : null],
      ['存放手机', answer.locker ? lockerName(answer.locker, lockerBanks) : null],
      ['定位牌', answer.badge ? badgeName(answer.badge) : null],
    ];
    const details = document.createElement('dl');
    for (const [term, value] of rows) if (value) details.append(block('dt', '', term), block('dd', '', value));
    result.append(block('div', 'headline', '签到成功'), details);
    const [room, seat, locker] = rows.map(([, v]) => v);
    say(`签到成功。请到${room ?? '评标室'}${seat ? `，${seat}` : ''}。${locker ? `手机请存入${locker}。` : ''}`);
    heldCard = null;
  } else if (outcome === 'look-again') {
    result.append(block('div', 'headline', message), block('div', 'next', '请正对摄像头，点击“再试一次”'));
    result.append(button('retry-btn', '再试一次', () => void (heldCard ? checkWithCard(heldCard) : checkByFace())));
    say(`${message}。请点击再试一次。`);
  } else {
    result.append(block('div', 'headline', message));
    if (!message.includes('见证人')) result.append(block('div', 'next', WITNESS));
    say(message.includes('见证人') ? message : `${message}。${WITNESS}。`);
    heldCard = null;
  }
  result.append(button('done-btn', '完成', reset));
  const left = block('div', '', '');
  left.id = 'countdown';
  result.append(left);
  result.hidden = false;
  prompt.textContent = IDLE_PROMPT;
  setPhase('result');
  // Counted from a deadline, not from ticks: a throttled timer still clears the screen on time.
  const until = Date.now() + (outcome === 'accepted' ? SHOW_ACCEPTED_S : SHOW_OTHER_S) * 1000;
  const tick = () => {
    const seconds = Math.ceil((until - Date.now()) / 1000);
    if (seconds <= 0) return reset();
    left.textContent = `${seconds} 秒后返回首页`;
  };
  clearInterval(countdown);
  tick();
  countdown = setInterval(tick, 1000);
}

// ---- capture and check -------------------------------------------------------------------------------------------

/** Distinct frames, each with its capture time, spread over a little more than the edge requires. */
async function captureFrames(): Promise<{ image: string; capturedAt: number }[]> {
  const { minSpreadMs = 1000, maxFrames = FRAMES, challenge = 'off', prompt: asked = null } = guide ?? {};
  const count = Math.min(maxFrames, challenge === 'off' ? FRAMES : CHALLENGE_FRAMES);
  const gap = Math.ceil((minSpreadMs * 1.15) / (count - 1));
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('画面无法采集');
  if (asked) {
    prompt.textContent = chineseOnly(asked);
    say(chineseOnly(asked));
  }
  const frames: { image: string; capturedAt: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(gap);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    frames.push({ image: canvas.toDataURL('image/jpeg', 0.9), capturedAt: Date.now() });
  }
  return frames;
}

async function submit(path: string, body: () => Promise<Record<string, unknown>>): Promise<void> {
  setPhase('capturing');
  result.hidden = true;
  try {
    const payload = await body();
    setPhase('checking');
    prompt.textContent = '正在核验，请稍候…';
    const response = await fetch(path, {
      method: 'POST',
      headers: authorised({ 'content-type': 'application/json' }),
      body: JSON.stringify(payload),
    });
    if (response.status === 401) return unpair('终端凭证已失效，请管理员重新配对');
    const answer = (await response.json()) as CheckinAnswer;
    show(answer.message ? answer : { accepted: false, message: answer.error ?? `核验未能完成（${response.status}）` });
  } catch {
    show({ accepted: false, message: '网络连接中断，核验未能完成' });
  }
}

function checkWithCard(card: CardRead): Promise<void> {
  heldCard = card;
  const look = '已读取身份证，请正视摄像头，保持不动';
  prompt.textContent = look;
  say(look);
  return submit('/api/checkin/id-card', async () => ({
    idNumber: card.idNumber,
    photo: card.photo,
    frames: await captureFrames(),
  }));
}

function checkByFace(): Promise<void> {
  const look = '请正视摄像头，保持不动';
  prompt.textContent = look;
  say(look);
  return submit('/api/checkin/face', async () => ({ frames: await captureFrames() }));
}

faceButton.addEventListener('click', () => void checkByFace());

/** A card read at this terminal: a new expert, even while the previous result is still on screen. */
function onCard(card: CardRead): void {
  if (phase === 'capturing' || phase === 'checking') return;
  reset();
  void checkWithCard(card);
}

/** Asks the edge for each card this terminal's reader reads (long polls); never replays one read before it started. */
async function watchCards(): Promise<void> {
  if (watchingCards) return;
  watchingCards = true;
  let after: number | null = null;
  while (credential()) {
    try {
      const response = await fetch(`/api/checkin/terminal/card${after === null ? '' : `?after=${after}`}`, {
        headers: authorised(),
      });
      if (response.status === 401) break;
      if (!response.ok) throw new Error(String(response.status));
      const answer = (await response.json()) as { seq: number; card: CardRead | null };
      after = answer.seq;
      if (answer.card) onCard(answer.card);
    } catch {
      await sleep(2000);
    }
  }
  watchingCards = false;
}

// ---- pairing and start -------------------------------------------------------------------------------------------

/** Unknown, revoked or replaced credential: forget it and ask for a new pairing code. */
function unpair(reason: string): void {
  localStorage.removeItem(CREDENTIAL_KEY);
  guide = null;
  checkinPanel.hidden = true;
  result.hidden = true;
  pairForm.hidden = false;
  status.textContent = reason;
}

pairForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = $<HTMLInputElement>('pair-code').value.trim();
  const response = await fetch('/api/checkin/terminals/pair', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  const answer = (await response.json()) as { credential?: string; error?: string };
  if (!answer.credential) {
    status.textContent = chineseOnly(answer.error ?? `配对失败（${response.status}）`);
    return;
  }
  localStorage.setItem(CREDENTIAL_KEY, answer.credential);
  await start();
});

async function start(): Promise<void> {
  showMute();
  if (!credential()) return unpair('本终端尚未配对：请输入管理员发放的配对码');
  const response = await fetch('/api/checkin/terminal', { headers: authorised() });
  if (response.status === 401) return unpair('终端凭证已失效，请输入新的配对码');
  guide = (await response.json()) as CaptureGuide;
  const labels = await fetch('/api/checkin/terminal/labels', { headers: authorised() });
  if (labels.ok) lockerBanks = ((await labels.json()) as { lockers: Record<string, string> }).lockers;
  pairForm.hidden = true;
  checkinPanel.hidden = false;
  reset();
  // The face engine loads its models in the background while the camera starts.
  void fetch('/api/checkin/prewarm', { method: 'POST', headers: authorised() }).catch(() => {});
  void watchCards();
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await video.play();
    status.textContent = '摄像头已就绪';
  } catch (err) {
    faceButton.disabled = true;
    status.textContent = `${cameraProblem(err)}，${WITNESS}`;
  }
}

void start();
