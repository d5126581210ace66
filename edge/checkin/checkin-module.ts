import { join } from 'node:path';
import type { VenueContext, VenueModule } from '../context.ts';
import { KEY_FILES } from '../keys-dir.ts';
import type { SessionService } from '../sessions/session-service.ts';
import { loadOrCreateKey } from '../store/secret-box.ts';
import { sealCipherOf } from '../store/suites.ts';
import { BiometricStore } from './biometric-store.ts';
import { CheckinService, type EvidencePolicy } from './checkin-service.ts';
import { Allocator, IdCardDirectory } from './checkin-store.ts';
import { Checkout } from './checkout.ts';
import { FaceEngine, type FaceEngineOptions } from './face/face-engine.ts';
import { FaceTerminalHandler } from './face-terminal.ts';
import { DEFAULT_PRESENTATION } from './presentation.ts';
import { SessionRoster } from './roster.ts';
import { TerminalRegistry } from './terminal-registry.ts';

/** What one terminal may send and how often; from the venue file's `checkin.limits`. */
export interface TerminalLimits {
  frameBytes: number;
  frames: number;
  attemptsPerMinute: number;
  concurrentAttempts: number;
}

export interface CheckinCapability {
  service: CheckinService;
  biometrics: BiometricStore;
  idCards: IdCardDirectory;
  /** The kiosk terminals the administrator enrolled: pairing codes and credentials. */
  terminals: TerminalRegistry;
  limits: TerminalLimits;
  /** Check-out: hands back badge and locker (REST, and for everyone still in when a session ends). */
  checkout: Checkout;
  /** Starts the face engine now instead of at the first face check-in (the kiosk page calls it on load). */
  prewarm(): Promise<void>;
  module: VenueModule;
}

/**
 * Wires check-in into a venue: roster from the sessions module, keys in the data directory, the face engine
 * started on first use (its workers take a second or two to load the models), the face terminals on the bus.
 */
export function startCheckin(
  ctx: VenueContext,
  sessions: SessionService,
  options: { face?: FaceEngineOptions; evidence?: EvidencePolicy } = {},
): CheckinCapability {
  const idCards = new IdCardDirectory(ctx.db, loadOrCreateKey(join(ctx.keysDir, KEY_FILES.idNumbers)).key);
  const biometricKey = loadOrCreateKey(join(ctx.keysDir, KEY_FILES.biometrics), sealCipherOf(ctx.venue.record?.suite));
  const biometrics = new BiometricStore(ctx.db, ctx.log, biometricKey);
  // HALLEDGE_FACE_DETECTOR=ssd runs SSD alone on camera frames too, e.g. where tfjs-node makes it fast
  // (see docs/checkin.md).
  const cameraDetector = ctx.settings.faceDetector === 'ssd' ? 'ssd' : undefined;
  const faceOptions = { ...(cameraDetector ? { cameraDetector } : {}), ...options.face } as FaceEngineOptions;
  let engine: Promise<FaceEngine> | null = null;
  const faceEngine = () => {
    engine ??= FaceEngine.start(faceOptions).catch((err) => {
      engine = null; // the next attempt tries again
      ctx.logger.error({ err }, 'face engine failed to start');
      throw err;
    });
    return engine;
  };
  const allocator = new Allocator(ctx.db, ctx.log, ctx.venue);
  const checkout = new Checkout(ctx.log, allocator, ctx.gateway, ctx.logger);
  checkout.start();
  const settings = ctx.venue.checkin;
  const limits: TerminalLimits = {
    frameBytes: settings?.limits?.frameBytes ?? 2 * 1024 * 1024,
    frames: settings?.limits?.frames ?? 5,
    attemptsPerMinute: settings?.limits?.attemptsPerMinute ?? 20,
    concurrentAttempts: settings?.limits?.concurrentAttempts ?? 2,
  };
  const service = new CheckinService({
    venue: ctx.venue,
    log: ctx.log,
    roster: new SessionRoster(sessions, (hash) => idCards.pseudonymOf(hash)),
    idCards,
    allocator,
    biometrics,
    faceEngine,
    evidence: options.evidence ?? settings?.evidence,
    presentation: {
      ...DEFAULT_PRESENTATION,
      challenge: settings?.challenge ?? 'off',
      requireHardwareLiveness: settings?.requireHardwareLiveness ?? false,
    },
  });
  const faceTerminals = new FaceTerminalHandler(
    ctx.gateway,
    service,
    (err, deviceId) => ctx.logger.error({ err, deviceId }, 'face terminal check-in failed'),
    limits.concurrentAttempts,
  );
  faceTerminals.start();
  // Kept evidence leaves when its retention ends; hourly is plenty for retention counted in days.
  const purge = setInterval(() => biometrics.purgeExpired(), 3600_000);
  purge.unref();
  return {
    service,
    biometrics,
    idCards,
    terminals: new TerminalRegistry(ctx.db, ctx.log),
    limits,
    checkout,
    prewarm: async () => {
      await faceEngine();
    },
    module: {
      name: 'checkin',
      stop: async () => {
        clearInterval(purge);
        faceTerminals.stop();
        checkout.stop();
        const running = engine;
        engine = null;
        await (await running?.catch(() => null))?.close();
      },
    },
  };
}
