import type { DeviceGateway } from '../bus/device-gateway.ts';
import type { CheckinResult, CheckinService } from './checkin-service.ts';
import type { DescribedFace } from './face/face-engine.ts';
import type { HardwareLiveness } from './presentation.ts';

/** The contract's `capture` event, as validated by the gateway. */
interface CaptureEvent {
  attemptId: string;
  frames: { image: string; capturedAt: number }[];
  liveness?: HardwareLiveness;
}

/** How long an ID-card read waits for the terminal's capture. */
const CARD_TTL_MS = 120_000;

interface PendingCard {
  idNumber: string;
  photo: Buffer;
  /** The chip photo's face, analysed while the person steps up to the camera. */
  face: Promise<DescribedFace>;
  at: number;
}

/** What the terminal's screen shows for a result (the contract's show-result command). */
export function screenOf(attemptId: string, result: CheckinResult): Record<string, unknown> {
  if (!result.accepted)
    return {
      attemptId,
      accepted: false,
      message: result.message,
      ...(result.outcome === 'look-again' ? { lookAgain: true } : {}),
    };
  return {
    attemptId,
    accepted: true,
    message: result.message.slice(0, 200),
    room: result.roomName,
    ...(result.seat ? { seat: result.seat } : {}),
    ...(result.locker ? { locker: `${result.locker.bank}#${result.locker.compartment}` } : {}),
    ...(result.badge ? { badge: result.badge } : {}),
  };
}

/**
 * The face terminal's side of check-in over the device bus: `idcard-read` holds the chip data for the
 * attempt, `capture` runs 人证核验 when a card was read for that attempt and 1:N otherwise; the terminal is
 * answered with `show-result` and a `beep`. Chip data is held in memory only, for two minutes at most.
 */
export class FaceTerminalHandler {
  private readonly cards = new Map<string, PendingCard>();

  constructor(
    private readonly gateway: DeviceGateway,
    private readonly checkin: CheckinService,
    private readonly onError: (err: unknown, deviceId: string) => void,
  ) {}

  start(): void {
    this.gateway.onEvent('face-terminal', 'idcard-read', (device, p) => {
      this.dropStale();
      const photo = Buffer.from(p.photo as string, 'base64');
      this.cards.set(`${device.id}/${p.attemptId}`, {
        idNumber: p.idNumber as string,
        photo,
        face: this.checkin.prepareChipPhoto(photo),
        at: Date.now(),
      });
    });
    this.gateway.onEvent('face-terminal', 'capture', (device, p) => {
      const capture = p as unknown as CaptureEvent;
      void this.capture(device.id, capture).catch((err) => this.onError(err, device.id));
    });
  }

  stop(): void {
    this.cards.clear();
  }

  private async capture(deviceId: string, { attemptId, frames: sent, liveness }: CaptureEvent): Promise<void> {
    const key = `${deviceId}/${attemptId}`;
    const card = this.cards.get(key);
    this.cards.delete(key);
    const frames = sent.map((f) => ({ image: Buffer.from(f.image, 'base64'), capturedAt: f.capturedAt }));
    const capture = { by: deviceId, frames, ...(liveness ? { hardwareLiveness: liveness } : {}) };
    const result = card
      ? await this.checkin.checkInWithIdCard({
          ...capture,
          idNumber: card.idNumber,
          chipPhoto: card.photo,
          chipFace: card.face,
        })
      : await this.checkin.checkInWithFace(capture);
    // Asked to look again, the person is still at the terminal with the card read: a new capture for the same
    // attempt uses it.
    if (card && result.outcome === 'look-again') this.cards.set(key, card);
    await Promise.all([
      this.gateway.command(deviceId, 'show-result', screenOf(attemptId, result)),
      this.gateway.command(deviceId, 'beep', { pattern: result.accepted ? 'ok' : 'error' }),
    ]);
  }

  private dropStale(): void {
    const cutoff = Date.now() - CARD_TTL_MS;
    for (const [key, card] of this.cards) if (card.at < cutoff) this.cards.delete(key);
  }
}
