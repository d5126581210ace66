import type { Venue } from '../../config/schema.ts';
import type { EventLog } from '../store/event-log.ts';
import type { BiometricStore } from './biometric-store.ts';
import type { Allocator, IdCardDirectory, LockerCompartment } from './checkin-store.ts';
import { type DescribedFace, type FaceEngine, singleFace } from './face/face-engine.ts';
import { FaceError } from './face/face-errors.ts';
import { gateFrames } from './face/face-quality.ts';
import { type LivenessSignal, livenessFrom } from './liveness.ts';
import { DEFAULT_POLICY, identify, type MatchPolicy, verifyOneToOne } from './match-policy.ts';
import type { RosterEntry, RosterLookup } from './roster.ts';

/** How the person was verified; recorded on every check-in event. */
export type CheckinMethod = 'id-card+face' | 'face-1:n' | 'manual';

export type RefusalReason =
  | 'not-on-roster'
  | 'outside-window'
  | 'already-checked-in'
  | 'no-face'
  | 'several-faces'
  | 'face-mismatch'
  | 'poor-quality'
  | 'not-recognised'
  | 'bad-image'
  | 'engine-unavailable';

const REFUSAL_TEXT: Record<RefusalReason, string> = {
  'not-on-roster': '今日无您的评标安排，请联系工作人员',
  'outside-window': '不在签到时间内',
  'already-checked-in': '您已签到，无需重复签到',
  'no-face': '未检测到人脸，请正对摄像头',
  'several-faces': '检测到多张人脸，请单人核验',
  'face-mismatch': '人脸与身份证照片不一致，请联系见证人',
  'poor-quality': '画面不清晰，请正对摄像头、保持不动，再核验一次',
  'not-recognised': '未能识别，请刷身份证或由见证人核验',
  'bad-image': '图像无法识别',
  'engine-unavailable': '人脸核验暂不可用，请由见证人核验',
};

export type CheckinResult =
  | {
      accepted: true;
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
  evidence?: EvidencePolicy;
  now?: () => number;
}

export interface Capture {
  /** The terminal (device id) or console user that submitted the attempt. */
  by: string;
  frames: Uint8Array[];
  /** Declared content type of the frames and photo, when the transport has one (HTTP). */
  contentType?: string;
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
  private readonly now: () => number;

  constructor(private readonly deps: CheckinDeps) {
    this.policy = deps.policy ?? DEFAULT_POLICY;
    this.now = deps.now ?? Date.now;
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
      const chipFace = input.chipFace ?? this.prepareChipPhoto(input.chipPhoto, input.contentType);
      const [chip, frames] = await Promise.all([
        chipFace.catch((err) => {
          throw refusalFromFace(err);
        }),
        this.liveFaces(input),
      ]);
      const usable = this.usableFrames(frames);
      const decision = verifyOneToOne(
        chip.descriptor,
        usable.map((f) => f.descriptor),
        this.policy,
      );
      const data = { distances: decision.distances, fused: decision.fused, threshold: this.policy.threshold };
      if (!decision.match) throw new Refusal('face-mismatch', { data });
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
      const frames = this.usableFrames(await this.liveFaces(input));
      const gallery = this.deps.biometrics.gallery({ actor: input.by, purpose: method });
      const decision = identify(
        gallery,
        frames.map((f) => f.descriptor),
        this.policy,
      );
      const data = {
        votes: decision.frames,
        fused: decision.fused,
        threshold: this.policy.threshold,
        margin: this.policy.margin,
      };
      if (decision.identity === null) throw new Refusal('not-recognised', { detail: decision.reason, data });
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

  /**
   * Every frame is analysed (in parallel, on the pool). A bad image or a frame with several faces refuses the
   * attempt; frames without a face are dropped, and none left is `no-face`.
   */
  private async liveFaces(input: Capture): Promise<DescribedFace[]> {
    const engine = await this.engine();
    const analyses = await Promise.all(
      input.frames.map((f, i) => engine.analyze(f, `frames[${i}]`, input.contentType, 'camera')),
    ).catch((err) => {
      throw refusalFromFace(err);
    });
    const crowded = analyses.findIndex((a) => a.faces.length > 1);
    if (crowded >= 0) throw new Refusal('several-faces', { field: `frames[${crowded}]` });
    const withFace = analyses.flatMap((a, i) => (a.faces.length === 1 ? [singleFace(a, `frames[${i}]`)] : []));
    if (withFace.length === 0) throw new Refusal('no-face', { field: 'frames' });
    return withFace;
  }

  /**
   * The frames good enough to decide on (face-quality.ts). Too few of them is no evidence against the expert:
   * they are asked to look again (`poor-quality`, detail: the first problem) instead of being told the face
   * does not match.
   */
  private usableFrames(frames: DescribedFace[]): DescribedFace[] {
    const gate = gateFrames(frames, this.policy.agreeingFrames);
    if (gate.lookAgain)
      throw new Refusal('poor-quality', { detail: gate.lookAgain, data: { turnedBack: gate.turnedBack } });
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
    return null;
  }

  private refuse(method: CheckinMethod, by: string, entry: RosterEntry | null, refusal: Refusal): CheckinResult {
    const { reason, extra } = refusal;
    const event = this.deps.log.append({
      type: 'checkin.refused',
      session: entry?.session ?? null,
      actor: entry?.pseudonym ?? null,
      method,
      subject: by,
      data: {
        reason,
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
    if (frame) this.deps.biometrics.keepEvidence(entry.pseudonym, 'checkin-frame', frame, expires, access);
    if (chipPhoto) this.deps.biometrics.keepEvidence(entry.pseudonym, 'chip-photo', chipPhoto, expires, access);
  }
}
