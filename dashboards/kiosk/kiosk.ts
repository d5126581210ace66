// The face terminal's kiosk page: camera preview, 刷脸签到 (1:N) and 人证核验 (ID card + face) against the
// venue edge's check-in API. Served as /kiosk/ by hall-server; talks only to the page's own origin.
// The edge answers only enrolled terminals: the page pairs once with the administrator's pairing code and keeps
// the credential it gets in the browser (localStorage); a revoked credential sends it back to pairing.

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

const CREDENTIAL_KEY = 'halledge.kiosk.credential';
/** Three frames (five with a challenge, to catch the blink or the turn), spread a little over what is required. */
const FRAMES = 3;
const CHALLENGE_FRAMES = 5;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('camera');
const status = $<HTMLDivElement>('status');
const result = $<HTMLDivElement>('result');
const faceButton = $<HTMLButtonElement>('face-btn');
const idButton = $<HTMLButtonElement>('idcard-btn');
const pairForm = $<HTMLFormElement>('pair-form');
const checkinPanel = $<HTMLDivElement>('checkin-panel');
let guide: CaptureGuide | null = null;

const credential = () => localStorage.getItem(CREDENTIAL_KEY);
const authorised = (headers: Record<string, string> = {}) => ({
  ...headers,
  authorization: `Terminal ${credential() ?? ''}`,
});

/** Unknown, revoked or replaced credential: forget it and ask for a new pairing code. */
function unpair(reason: string): void {
  localStorage.removeItem(CREDENTIAL_KEY);
  guide = null;
  checkinPanel.hidden = true;
  pairForm.hidden = false;
  status.textContent = reason;
}

function setBusy(busy: boolean): void {
  faceButton.disabled = busy;
  idButton.disabled = busy;
}

/** Distinct frames, each with its capture time, spread over a little more than the edge requires. */
async function captureFrames(): Promise<{ image: string; capturedAt: number }[]> {
  const { minSpreadMs = 1000, maxFrames = FRAMES, challenge = 'off', prompt = null } = guide ?? {};
  const count = Math.min(maxFrames, challenge === 'off' ? FRAMES : CHALLENGE_FRAMES);
  const gap = Math.ceil((minSpreadMs * 1.15) / (count - 1));
  status.textContent = prompt ?? '请正视摄像头…';
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('画布不可用');
  const frames: { image: string; capturedAt: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, gap));
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    frames.push({ image: canvas.toDataURL('image/jpeg', 0.9), capturedAt: Date.now() });
  }
  return frames;
}

function readFile(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error('读取照片失败'));
    reader.readAsDataURL(file);
  });
}

function show(answer: CheckinAnswer): void {
  result.className = `panel ${answer.accepted ? 'accepted' : answer.outcome === 'look-again' ? 'look-again' : 'refused'}`;
  result.replaceChildren();
  const headline = document.createElement('div');
  headline.textContent = answer.accepted ? '核验通过' : answer.message;
  result.append(headline);
  if (!answer.accepted) return;
  const details = document.createElement('dl');
  const rows: [string, string | null | undefined][] = [
    ['评标室', answer.roomName],
    ['座位', answer.seat],
    ['手机柜', answer.locker ? `${answer.locker.bank} 第 ${answer.locker.compartment} 格` : null],
    ['定位牌', answer.badge],
  ];
  for (const [term, value] of rows) {
    if (!value) continue;
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    details.append(dt, dd);
  }
  result.append(details);
}

async function submit(path: string, body: Record<string, unknown>): Promise<void> {
  setBusy(true);
  status.textContent = '正在核验，请正视摄像头…';
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: authorised({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
    if (response.status === 401) return unpair('终端凭证已失效，请输入新的配对码');
    const answer = (await response.json()) as CheckinAnswer;
    show(answer.message ? answer : { accepted: false, message: answer.error ?? `请求失败（${response.status}）` });
    status.textContent = '';
  } catch (err) {
    show({ accepted: false, message: `网络错误：${(err as Error).message}` });
  } finally {
    setBusy(false);
  }
}

faceButton.addEventListener('click', async () => {
  setBusy(true);
  await submit('/api/checkin/face', { frames: await captureFrames() });
});

$<HTMLFormElement>('idcard-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $<HTMLInputElement>('chip-photo').files?.[0];
  if (!file) return;
  const idNumber = $<HTMLInputElement>('id-number').value.trim().toUpperCase();
  setBusy(true);
  await submit('/api/checkin/id-card', {
    idNumber,
    photo: await readFile(file),
    frames: await captureFrames(),
  });
});

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
    status.textContent = answer.error ?? `配对失败（${response.status}）`;
    return;
  }
  localStorage.setItem(CREDENTIAL_KEY, answer.credential);
  await start();
});

async function start(): Promise<void> {
  if (!credential()) return unpair('本终端尚未配对：请输入管理员发放的配对码');
  const response = await fetch('/api/checkin/terminal', { headers: authorised() });
  if (response.status === 401) return unpair('终端凭证已失效，请输入新的配对码');
  guide = (await response.json()) as CaptureGuide;
  pairForm.hidden = true;
  checkinPanel.hidden = false;
  // The face engine loads its models in the background while the camera starts.
  void fetch('/api/checkin/prewarm', { method: 'POST', headers: authorised() }).catch(() => {});
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await video.play();
    status.textContent = '请刷身份证或直接刷脸签到';
    setBusy(false);
  } catch (err) {
    status.textContent = `无法打开摄像头（${(err as Error).message}），请联系见证人人工核验`;
  }
}

void start();
