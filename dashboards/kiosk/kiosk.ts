// The face terminal's kiosk page: camera preview, 刷脸签到 (1:N) and 人证核验 (ID card + face) against the
// venue edge's check-in API. Served as /kiosk/ by hall-server; talks only to the page's own origin.

interface CheckinAnswer {
  accepted: boolean;
  message: string;
  roomName?: string;
  seat?: string | null;
  locker?: { bank: string; compartment: number } | null;
  badge?: string | null;
  error?: string;
}

/** Frames per attempt and the gap between them: enough for the multi-frame agreement and the liveness hint. */
const FRAMES = 3;
const FRAME_GAP_MS = 250;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('camera');
const status = $<HTMLDivElement>('status');
const result = $<HTMLDivElement>('result');
const faceButton = $<HTMLButtonElement>('face-btn');
const idButton = $<HTMLButtonElement>('idcard-btn');

function setBusy(busy: boolean): void {
  faceButton.disabled = busy;
  idButton.disabled = busy;
}

async function captureFrames(): Promise<string[]> {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('画布不可用');
  const frames: string[] = [];
  for (let i = 0; i < FRAMES; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, FRAME_GAP_MS));
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    frames.push(canvas.toDataURL('image/jpeg', 0.9));
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
  result.className = `panel ${answer.accepted ? 'accepted' : 'refused'}`;
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
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
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
  await submit('/api/checkin/face', { terminal: 'kiosk', frames: await captureFrames() });
});

$<HTMLFormElement>('idcard-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $<HTMLInputElement>('chip-photo').files?.[0];
  if (!file) return;
  const idNumber = $<HTMLInputElement>('id-number').value.trim().toUpperCase();
  await submit('/api/checkin/id-card', {
    terminal: 'kiosk',
    idNumber,
    photo: await readFile(file),
    frames: await captureFrames(),
  });
});

async function start(): Promise<void> {
  // The face engine loads its models in the background while the camera starts.
  void fetch('/api/checkin/prewarm', { method: 'POST' }).catch(() => {});
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
