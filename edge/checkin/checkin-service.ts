import { createHash } from 'node:crypto';
import type { Venue } from '../../config/schema.ts';
import type { EventLog } from '../store/event-log.ts';
import type { BiometricStore } from './biometric-store.ts';
import type { Allocator, IdCardDirectory, LockerCompartment } from './checkin-store.ts';
import { type DescribedFace, type FaceEngine, type ImageAnalysis, singleFace } from './face/face-engine.ts';
import { FaceError } from './face/face-errors.ts';
import { gateFrames } from './face/face-quality.ts';
import { CHALLENGE_PROMPT, type LivenessSignal, livenessFrom } from './liveness.ts';
import { DEFAULT_POLICY, identify, type MatchPolicy, verifyOneToOne } from './match-policy.ts';
import {
  checkCapture,
  checkFaces,
  DEFAULT_PRESENTATION,
  type HardwareLiveness,
  type LiveFace,
  type PresentationChecks,
  type PresentationPolicy,
  type PresentationReason,
} from './presentation.ts';
import type { RosterEntry, RosterLookup } from './roster.ts';

/** How the person was verified; recorded on every check-in event. */
export type CheckinMethod = 'id-card+face' | 'face-1:n' | 'manual';

export type RefusalReason =
  | 'not-on-roster'
  | 'outside-window'
  | 'held-for-witness'
  | 'late-refused'
  | 'already-checked-in'
  | 'no-face'
  | 'several-faces'
  | 'face-mismatch'
  | 'poor-quality'
  | 'not-recognised'
  | 'bad-image'
  | 'engine-unavailable'
  | PresentationReason;

/**
 * How an attempt ended. `look-again` is a refusal that asks the person to face the camera again (nothing was
 * wrong with who they are, the frames were not good enough to tell); the terminal keeps its prompt.
 */
export type CheckinOutcome = 'accepted' | 'refused' | 'look-again';

const LOOK_AGAIN: ReadonlySet<RefusalReason> = new Set([
  'no-face',
  'too-few-frames',
  'challenge-failed',
  'poor-quality',
]);

const REFUSAL_TEXT: Record<RefusalReason, string> = {
  'not-on-roster': '今日无您的评标安排，请联系工作人员',
  'outside-window': '不在签到时间内',
  'held-for-witness': '已超过入场时限，请等待见证人确认',
  'late-refused': '见证人未同意迟到入场，请联系工作人员',
  'already-checked-in': '您已签到，无需重复签到',
  'no-face': '未检测到人脸，请正对摄像头',
  'several-faces': '检测到多张人脸，请单人核验',
  'face-mismatch': '人脸与身份证照片不一致，请联系见证人',
  'poor-quality': '画面不清晰，请正对摄像头、保持不动，再核验一次',
  'not-recognised': '未能识别，请刷身份证或由见证人核验',
  'bad-image': '图像无法识别',
  'engine-unavailable': '人脸核验暂不可用，请由见证人核验',
  'too-few-frames': '请正对摄像头保持约 1 秒，再试一次',
  'frame-times': '终端采集时间异常，请由见证人核验',
  replay: '检测到翻拍或重复图像，请本人正对摄像头，或由见证人核验',
  'challenge-failed': '未完成动作提示，请按提示再试一次',
  'liveness-required': '终端未提供活体检测结果，请由见证人核验',
  'presentation-attack': '活体检测未通过，请联系见证人',
};

export type CheckinResult =
  | {
      accepted: true;
      outcome: 'accepted';
      method: CheckinMethod;
      pseudonym: string;
      session: string;
      room: string;
      roomName: string;
      seat: string | null;
      locker: LockerCompartment | null;
      badge: string | null;
      liveness: LivenessSignal | null;
      /** zh-CN text for the terminal screen. */
      message: string;
      seq: number;
    }
  | {
      accepted: false;
      outcome: Exclude<CheckinOutcome, 'accepted'>;
      method: CheckinMethod;
      reason: RefusalReason;
      message: string;
      /** The input at fault, for bad images (`photo`, `frames[2]`). */
      field?: string;
      detail?: string;
      pseudonym: string | null;
      seq: number;
    };

/** What the evidence policy keeps of an accepted check-in; by default nothing raw. */
export interface EvidencePolicy {
  keepCheckinPhoto: boolean;
  retentionDays: number;
}

export interface CheckinDeps {
  venue: Venue;
  log: EventLog;
  roster: RosterLookup;
  idCards: IdCardDirectory;
  allocator: Allocator;
  biometrics: BiometricStore;
  /** The face engine, started on first use (its workers load models for a second or two). */
  faceEngine: () => Promise<FaceEngine>;
  policy?: MatchPolicy;
  /** Presentation and replay defence (frames, spread, replay distances, the venue's challenge and hardware rule). */
  presentation?: PresentationPolicy;
  evidence?: EvidencePolicy;
  now?: () => number;
}

/** A camera frame as the terminal captured it. */
export interface LiveFrame {
  image: Uint8Array;
  /** The terminal's capture time (ms since the epoch): frames must be distinct moments over about a second. */
  capturedAt: number;
}

export interface Capture {
  /** The terminal (device id) or console user that submitted the attempt. */
  by: string;
  frames: LiveFrame[];
  /** Declared content type of the frames and photo, when the transport has one (HTTP). */
  contentType?: string;
  /** The terminal's own liveness verdict, from terminals with an NIR or depth camera. */
  hardwareLiveness?: HardwareLiveness;
}

/**
 * The Tiny detector can miss a second person when the one face it sees leaves room for another: small (the
 * expert stands back), at the frame's edge, or off-centre (someone beside them). Then SSD looks for more faces.
 * An expert centred at the kiosk (on the shared photos, within 2 % of the width) costs no SSD pass.
 */
const SMALL_FACE = 0.2; // of the frame's width
const EDGE_MARGIN = 0.05; // of the frame's width or height
const OFF_CENTRE = 0.15; // of the frame's width, face centre from frame centre

export function worthASecondLook(a: ImageAnalysis): boolean {
  const face = a.faces[0];
  if (a.detector !== 'tiny' || a.faces.length !== 1 || !face) return false;
  const { x, y, width, height } = face.box;
  const [mx, my] = [a.width * EDGE_MARGIN, a.height * EDGE_MARGIN];
  const nearEdge = x < mx || y < my || x + width > a.width - mx || y + height > a.height - my;
  const offCentre = Math.abs(x + width / 2 - a.width / 2) > a.width * OFF_CENTRE;
  return width < a.width * SMALL_FACE || nearEdge || offCentre;
}

/** A refusal raised inside an attempt; turned into a `checkin.refused` event. */
class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly extra: { field?: string; detail?: string; data?: Record<string, unknown> } = {},
  ) {
    super(reason);
  }
}

function refuseIfProblem(result: ReturnType<typeof checkCapture>): PresentationChecks {
  const { checks, problem } = result;
  if (problem) throw new Refusal(problem.reason, { field: problem.field, detail: problem.detail, data: { checks } });
  return checks;
}

/** A refusal from the face work, carrying the capture checks that had already passed (the event records them). */
function withChecks(err: unknown, checks: PresentationChecks): Refusal {
  const refusal = err instanceof Refusal ? err : refusalFromFace(err);
  if (refusal.extra.data?.checks) return refusal;
  return new Refusal(refusal.reason, { ...refusal.extra, data: { ...refusal.extra.data, checks } });
}

function refusalFromFace(err: unknown): Refusal {
  if (!(err instanceof FaceError)) throw err;
  if (err.code === 'no-face' || err.code === 'several-faces') return new Refusal(err.code, { field: err.field });
  if (err.isBadImage) return new Refusal('bad-image', { field: err.field, detail: err.message });
  return new Refusal('engine-unavailable', { detail: err.message });
}

/**
 * Expert check-in at the zone entrance: ID card + live face (人证核验), face 1:N against enrolled templates,
 * or a witness's manual verification — face is never the only way in. Every attempt ends in one event,
 * `checkin.accepted` (which the sessions and access modules project) or `checkin.refused`, with the method.
 * Images are analysed and dropped; only distances, the liveness signal and (by policy) evidence are kept.
 */
export class CheckinService {
  private readonly policy: MatchPolicy;
  private readonly presentation: PresentationPolicy;
  private readonly now: () => number;

  constructor(private readonly deps: CheckinDeps) {
    this.policy = deps.policy ?? DEFAULT_POLICY;
    this.presentation = deps.presentation ?? DEFAULT_PRESENTATION;
    this.now = deps.now ?? Date.now;
  }

  /** What a terminal is told before an attempt: how many frames over how long, and which challenge to prompt. */
  get captureGuide(): { minFrames: number; minSpreadMs: number; challenge: string; prompt: string | null } {
    const { minFaceFrames, minSpreadMs, challenge } = this.presentation;
    return {
      minFrames: minFaceFrames,
      minSpreadMs,
      challenge,
      prompt: challenge === 'off' ? null : CHALLENGE_PROMPT[challenge],
    };
  }

  /**
   * Starts on the chip photo as soon as the card is read, so that the capture, when it comes, waits only for
   * its own frames. Pass the promise to checkInWithIdCard as `chipFace`.
   */
  prepareChipPhoto(photo: Uint8Array, contentType?: string): Promise<DescribedFace> {
    const described = this.engine().then((engine) => engine.describeSingleFace(photo, 'photo', contentType));
    described.catch(() => {}); // awaited, and its failure reported, by the check-in that uses it
    return described;
  }

  /** 人证核验: the chip photo against the live frames, for the person the card's number is rostered as. */
  async checkInWithIdCard(
    input: Capture & { idNumber: string; chipPhoto: Uint8Array; chipFace?: Promise<DescribedFace> },
  ): Promise<CheckinResult> {
    const method = 'id-card+face';
    const at = this.now();
    const entry = this.deps.roster.findByIdNumberHash(this.deps.idCards.hash(input.idNumber), at);
    return this.attempt(method, input.by, entry, at, async (e) => {
      const captured = this.checkCapture(input, at);
      const chipFace = input.chipFace ?? this.prepareChipPhoto(input.chipPhoto, input.contentType);
      const [chip, frames] = await Promise.all([chipFace, this.liveFaces(input)]).catch((err) => {
        throw withChecks(err, captured);
      });
      const checks = refuseIfProblem(checkFaces(frames, { chip: chip.descriptor }, this.presentation, captured));
      const usable = this.usableFrames(frames, checks);
      const decision = verifyOneToOne(
        chip.descriptor,
        usable.map((f) => f.descriptor),
        this.policy,
      );
      const data = { distances: decision.distances, fused: decision.fused, threshold: this.policy.threshold, checks };
      // Frames without a face count against the attempt: frames with a face must be a majority of all sent.
      if (!decision.match || frames.length * 2 <= input.frames.length) throw new Refusal('face-mismatch', { data });
      await this.keepEvidence(e, input, input.chipPhoto);
      return { ...data, frames };
    });
  }

  /** 1:N: the live frames against every template enrolled with consent. */
  async checkInWithFace(input: Capture): Promise<CheckinResult> {
    const method = 'face-1:n';
    const at = this.now();
    let identified: { pseudonym: string; frames: DescribedFace[]; data: Record<string, unknown> };
    try {
      const captured = this.checkCapture(input, at);
      const frames = await this.liveFaces(input).catch((err) => {
        throw withChecks(err, captured);
      });
      const gallery = this.deps.biometrics.gallery({ actor: input.by, purpose: method });
      const enrolled = gallery.flatMap((person) => person.templates);
      const checks = refuseIfProblem(checkFaces(frames, { enrolled }, this.presentation, captured));
      const usable = this.usableFrames(frames, checks);
      const decision = identify(
        gallery,
        usable.map((f) => f.descriptor),
        this.policy,
      );
      const data = {
        votes: decision.frames,
        fused: decision.fused,
        threshold: this.policy.threshold,
        margin: this.policy.margin,
        checks,
      };
      // Frames without a face count against the attempt: frames with a face must be a majority of all sent.
      const majority = frames.length * 2 > input.frames.length;
      if (decision.identity === null || !majority)
        throw new Refusal('not-recognised', {
          detail: decision.identity === null ? decision.reason : 'frames-without-face',
          data,
        });
      identified = { pseudonym: decision.identity, frames, data };
    } catch (err) {
      const refusal = err instanceof Refusal ? err : refusalFromFace(err);
      return this.refuse(method, input.by, null, refusal);
    }
    const entry = this.deps.roster.findByPseudonym(identified.pseudonym, at);
    return this.attempt(method, input.by, entry, at, async (e) => {
      await this.keepEvidence(e, input);
      return { ...identified.data, frames: identified.frames };
    });
  }

  /** A witness verified the person face to face; always available. */
  async checkInManually(input: { witness: string; pseudonym: string; note?: string }): Promise<CheckinResult> {
    const at = this.now();
    const entry = this.deps.roster.findByPseudonym(input.pseudonym, at);
    return this.attempt('manual', input.witness, entry, at, async () => ({
      note: input.note ?? null,
      frames: [],
    }));
  }

  /** Enrols 1–3 photos of a person who has consented (recorded through the biometric store). */
  async enrol(input: { pseudonym: string; photos: Uint8Array[]; by: string; contentType?: string }) {
    const engine = await this.engine();
    const faces = await Promise.all(
      input.photos.map((p, i) => engine.describeSingleFace(p, `photos[${i}]`, input.contentType)),
    );
    return this.deps.biometrics.enrol(
      input.pseudonym,
      faces.map((f) => f.descriptor),
      input.by,
    );
  }

  private engine(): Promise<FaceEngine> {
    return this.deps.faceEngine().catch((err: Error) => {
      throw new Refusal('engine-unavailable', { detail: err.message });
    });
  }

  /** The checks on what the terminal sent, before any face work; a problem refuses the attempt. */
  private checkCapture(input: Capture, at: number): PresentationChecks {
    const sent = input.frames.map((f) => ({
      capturedAt: f.capturedAt,
      digest: createHash('sha256').update(f.image).digest('hex'),
    }));
    return refuseIfProblem(checkCapture(sent, input.hardwareLiveness ?? null, this.presentation, at));
  }

  /**
   * Every frame is analysed (in parallel, on the pool). A bad image or a frame with several faces refuses the
   * attempt — where Tiny saw one small or edge face, SSD looks for more; frames without a face are counted by
   * the presentation checks (too few left asks the person to look again), and none at all is `no-face`.
   */
  private async liveFaces(input: Capture): Promise<(LiveFace & DescribedFace)[]> {
    const engine = await this.engine();
    const look = async (f: LiveFrame, i: number) => {
      const field = `frames[${i}]`;
      const analysis = await engine.analyze(f.image, field, input.contentType, 'camera');
      // SSD is the engine's reference detector: asked as a reference, it runs on the whole frame.
      const second = worthASecondLook(analysis) ? await engine.analyze(f.image, field, input.contentType) : null;
      return second && second.faces.length > 1 ? second : analysis;
    };
    const analyses = await Promise.all(input.frames.map(look)).catch((err) => {
      throw refusalFromFace(err);
    });
    const crowded = analyses.findIndex((a) => a.faces.length > 1);
    if (crowded >= 0) throw new Refusal('several-faces', { field: `frames[${crowded}]` });
    const withFace = analyses.flatMap((a, i) =>
      a.faces.length === 1
        ? [{ ...singleFace(a, `frames[${i}]`), index: i, capturedAt: input.frames[i]!.capturedAt }]
        : [],
    );
    if (withFace.length === 0) throw new Refusal('no-face', { field: 'frames' });
    return withFace;
  }

  /**
   * The frames good enough to decide on (face-quality.ts). Too few of them is no evidence against the expert:
   * they are asked to look again (`poor-quality`, detail: the first problem) instead of being told the face
   * does not match.
   */
  private usableFrames(frames: DescribedFace[], checks: PresentationChecks): DescribedFace[] {
    const gate = gateFrames(frames, this.policy.agreeingFrames);
    if (gate.lookAgain)
      throw new Refusal('poor-quality', { detail: gate.lookAgain, data: { turnedBack: gate.turnedBack, checks } });
    return gate.usable;
  }

  /**
   * The roster checks, then the method's verification, then — synchronously, so two terminals cannot both
   * win — the re-check, the badge and locker, and the event.
   */
  private async attempt(
    method: CheckinMethod,
    by: string,
    entry: RosterEntry | null,
    at: number,
    verify: (entry: RosterEntry) => Promise<Record<string, unknown> & { frames: DescribedFace[] }>,
  ): Promise<CheckinResult> {
    const blocked = this.rosterProblem(entry);
    if (blocked || !entry) return this.refuse(method, by, entry, new Refusal(blocked ?? 'not-on-roster'));
    let verified: Awaited<ReturnType<typeof verify>>;
    try {
      verified = await verify(entry);
    } catch (err) {
      return this.refuse(method, by, entry, err instanceof Refusal ? err : refusalFromFace(err));
    }
    const { frames, ...evidence } = verified;
    const now = this.deps.roster.findByPseudonym(entry.pseudonym, this.now());
    const late = this.rosterProblem(now);
    if (late || !now) return this.refuse(method, by, entry, new Refusal(late ?? 'not-on-roster'));
    const { badge, locker } = this.deps.allocator.next(at);
    const liveness = method === 'manual' ? null : livenessFrom(frames.map((f) => f.landmarks));
    const roomName = this.deps.venue.zones.find((z) => z.id === now.room)?.name ?? now.room;
    const event = this.deps.log.append({
      type: 'checkin.accepted',
      session: now.session,
      actor: now.pseudonym,
      method,
      subject: now.pseudonym,
      at,
      data: {
        pseudonym: now.pseudonym,
        verifiedBy: by,
        room: now.room,
        seat: now.seat,
        badge,
        locker,
        liveness,
        ...evidence,
      },
    });
    const lockerText = locker ? `，手机柜 ${locker.bank} 第 ${locker.compartment} 格` : '';
    return {
      accepted: true,
      outcome: 'accepted',
      method,
      pseudonym: now.pseudonym,
      session: now.session,
      room: now.room,
      roomName,
      seat: now.seat,
      locker,
      badge,
      liveness,
      message: `核验通过：${roomName}${now.seat ? ` 座位 ${now.seat}` : ''}${lockerText}${badge ? `，定位牌 ${badge}` : ''}`,
      seq: event.seq,
    };
  }

  private rosterProblem(entry: RosterEntry | null): RefusalReason | null {
    if (!entry) return 'not-on-roster';
    if (entry.checkedInAt !== null) return 'already-checked-in';
    if (!entry.checkinOpen) return 'outside-window';
    // Late arrivals wait for a witness (edge/sessions/late-arrivals.ts); the refusal is the "held" outcome.
    if (entry.admission === 'held') return 'held-for-witness';
    if (entry.admission === 'refused') return 'late-refused';
    return null;
  }

  private refuse(method: CheckinMethod, by: string, entry: RosterEntry | null, refusal: Refusal): CheckinResult {
    const { reason, extra } = refusal;
    const outcome = LOOK_AGAIN.has(reason) ? 'look-again' : 'refused';
    const event = this.deps.log.append({
      type: 'checkin.refused',
      session: entry?.session ?? null,
      actor: entry?.pseudonym ?? null,
      method,
      subject: by,
      data: {
        reason,
        outcome,
        verifiedBy: by,
        ...(extra.field ? { field: extra.field } : {}),
        ...(extra.detail ? { detail: extra.detail } : {}),
        ...extra.data,
      },
    });
    const message =
      reason === 'bad-image' && extra.field ? `${REFUSAL_TEXT[reason]}（${extra.field}）` : REFUSAL_TEXT[reason];
    return {
      accepted: false,
      outcome,
      method,
      reason,
      message,
      ...(extra.field ? { field: extra.field } : {}),
      ...(extra.detail ? { detail: extra.detail } : {}),
      pseudonym: entry?.pseudonym ?? null,
      seq: event.seq,
    };
  }

  private async keepEvidence(entry: RosterEntry, input: Capture, chipPhoto?: Uint8Array): Promise<void> {
    const policy = this.deps.evidence;
    if (!policy?.keepCheckinPhoto) return;
    const expires = this.now() + policy.retentionDays * 86_400_000;
    const access = { actor: input.by, purpose: 'check-in evidence' };
    const frame = input.frames[0];
    if (frame) this.deps.biometrics.keepEvidence(entry.pseudonym, 'checkin-frame', frame.image, expires, access);
    if (chipPhoto) this.deps.biometrics.keepEvidence(entry.pseudonym, 'chip-photo', chipPhoto, expires, access);
  }
}
