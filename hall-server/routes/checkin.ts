import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CapturedAt, HardwareLivenessSchema } from '../../devices/face-terminal/contract.ts';
import { CardReads } from '../../edge/checkin/card-reads.ts';
import type { TerminalLimits } from '../../edge/checkin/checkin-module.ts';
import type { CheckinResult } from '../../edge/checkin/checkin-service.ts';
import { FaceError } from '../../edge/checkin/face/face-errors.ts';
import { TERMINAL_ID } from '../../edge/checkin/terminal-registry.ts';
import type { VenueContext, VenueServices } from '../../edge/context.ts';
import { DomainError } from '../../edge/domain-error.ts';

/**
 * A JPEG/PNG as a data URL (`data:image/jpeg;base64,…`, whose type is checked) or bare base64. Its size is
 * checked against the venue's limit while decoding (413 naming the field); the body limit bounds it first.
 */
const Image = T.String({ minLength: 1, description: 'data URL or base64 JPEG/PNG' });
const Frame = T.Object(
  { image: Image, capturedAt: CapturedAt },
  { additionalProperties: false, description: 'a live camera frame and its capture time at the terminal' },
);
const IdNumber = T.String({ pattern: '^[0-9]{17}[0-9X]$', description: '18-character resident ID number' });
const Pseudonym = T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' });
const By = T.String({
  minLength: 1,
  maxLength: 64,
  description: 'who acts: the signed-in console user (filled in when left out)',
});

/** Too large for the venue's limits: answered 413 with the engine's own words, naming the field when one is. */
function tooLarge(limits: TerminalLimits, field?: string): DomainError {
  const mib = (limits.frameBytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '');
  return new DomainError(
    'too-large',
    `${field ? `${field}: ` : ''}图像过大：每张不超过 ${mib} MB，每次最多 ${limits.frames} 帧 · ` +
      `too large: at most ${limits.frames} frames of ${mib} MB each`,
    { field, code: 'too-large' },
  );
}

/** Base64 characters of one image at the venue's limit, with room for a data-URL prefix. */
const imageChars = (limits: TerminalLimits) => Math.ceil(limits.frameBytes / 3) * 4 + 64;

/**
 * The largest body a request with `images` images may have. Fastify counts the bytes as they arrive (and
 * refuses a larger Content-Length before reading), so nothing bigger is ever buffered.
 */
const bodyLimit = (limits: TerminalLimits, images: number) => images * (imageChars(limits) + 64) + 4096;

interface DecodedImage {
  bytes: Buffer;
  contentType?: string;
}

function decodeImage(value: string, field: string, limits: TerminalLimits): DecodedImage {
  if (value.length > imageChars(limits)) throw tooLarge(limits, field);
  const match = /^data:([^;,]*)(;base64)?,/.exec(value);
  const bytes = Buffer.from(match ? value.slice(match[0].length) : value, 'base64');
  if (bytes.length > limits.frameBytes) throw tooLarge(limits, field);
  return match ? { bytes, contentType: match[1] || 'text/plain' } : { bytes };
}

/** One declared content type for the attempt: the first data URL's; a different one on another image is a bad image. */
function decodeAll(
  values: string[],
  fields: string[],
  limits: TerminalLimits,
): { images: Buffer[]; contentType?: string } {
  const decoded = values.map((v, i) => decodeImage(v, fields[i]!, limits));
  const contentType = decoded.find((d) => d.contentType)?.contentType;
  decoded.forEach((d, i) => {
    if (d.contentType && d.contentType !== contentType) {
      throw new FaceError('content-type', fields[i]!, `declared "${d.contentType}", other images "${contentType}"`);
    }
  });
  return { images: decoded.map((d) => d.bytes), contentType };
}

/** A refusal for a bad image is the client's fault (400); other refusals are answers (200). */
function answer(reply: FastifyReply, result: CheckinResult) {
  if (!result.accepted && result.reason === 'bad-image') {
    return reply.code(400).send({ error: result.detail ?? result.message, ...result });
  }
  return reply.send(result);
}

/** Who makes a terminal-facing call: the enrolled terminal, else the signed-in witness or administrator. */
const caller = (req: FastifyRequest) => req.terminal ?? req.user?.username ?? req.ip;

/**
 * At most `max` attempts of one caller in progress at once: a terminal that fires faster than the engine answers
 * is told so (429) before its next body is even read, instead of queueing work for everyone.
 */
function concurrencyLimit(max: number) {
  const inFlight = new Map<string, number>();
  const counted = new WeakSet<FastifyRequest>();
  const done = async (req: FastifyRequest) => {
    if (!counted.delete(req)) return;
    const key = caller(req);
    const left = (inFlight.get(key) ?? 1) - 1;
    if (left > 0) inFlight.set(key, left);
    else inFlight.delete(key);
  };
  return {
    onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
      const key = caller(req);
      const running = inFlight.get(key) ?? 0;
      if (running >= max)
        return reply.code(429).send({
          error: `该终端已有 ${running} 次核验在进行，请稍候 · ${running} check-ins of this terminal already in progress`,
        });
      inFlight.set(key, running + 1);
      counted.add(req);
    },
    onResponse: done,
    onRequestAbort: done,
  };
}

export const checkinRoutes =
  (ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { service, biometrics, idCards, prewarm, terminals, limits } = services.checkin;
    const tags = ['checkin'];
    const Frames = T.Array(Frame, {
      minItems: 1,
      maxItems: limits.frames,
      description: 'live camera frames with their capture times',
    });
    const attemptLimits = {
      config: {
        rateLimit: { max: limits.attemptsPerMinute, timeWindow: 60_000, keyGenerator: caller },
      },
      ...concurrencyLimit(limits.concurrentAttempts),
    };

    // Bodies over the limit, too many attempts: the engine's own words, in Chinese and English.
    app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw tooLarge(limits);
      if (err.statusCode === 429)
        return reply
          .code(429)
          .send({ error: `核验过于频繁，请稍后再试 · too many check-in attempts (${err.message})` });
      throw err;
    });

    app.post(
      '/api/checkin/id-card',
      {
        bodyLimit: bodyLimit(limits, limits.frames + 1),
        ...attemptLimits,
        schema: {
          tags,
          summary: '人证核验: ID-card chip data and live frames (an enrolled terminal, or a witness)',
          body: T.Object(
            { idNumber: IdNumber, photo: Image, frames: Frames, liveness: T.Optional(HardwareLivenessSchema) },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const { photo, frames, liveness } = req.body;
        const { images, contentType } = decodeAll(
          [photo, ...frames.map((f) => f.image)],
          ['photo', ...frames.map((_, i) => `frames[${i}].image`)],
          limits,
        );
        const [chipPhoto, ...decoded] = images;
        const result = await service.checkInWithIdCard({
          by: caller(req),
          idNumber: req.body.idNumber,
          chipPhoto: chipPhoto!,
          frames: decoded.map((image, i) => ({ image, capturedAt: frames[i]!.capturedAt })),
          contentType,
          ...(liveness ? { hardwareLiveness: liveness } : {}),
        });
        return answer(reply, result);
      },
    );

    app.post(
      '/api/checkin/face',
      {
        bodyLimit: bodyLimit(limits, limits.frames),
        ...attemptLimits,
        schema: {
          tags,
          summary: 'Check-in by enrolled face (1:N; an enrolled terminal, or a witness)',
          body: T.Object(
            { frames: Frames, liveness: T.Optional(HardwareLivenessSchema) },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const { frames, liveness } = req.body;
        const { images, contentType } = decodeAll(
          frames.map((f) => f.image),
          frames.map((_, i) => `frames[${i}].image`),
          limits,
        );
        const result = await service.checkInWithFace({
          by: caller(req),
          frames: images.map((image, i) => ({ image, capturedAt: frames[i]!.capturedAt })),
          contentType,
          ...(liveness ? { hardwareLiveness: liveness } : {}),
        });
        return answer(reply, result);
      },
    );

    app.get(
      '/api/checkin/terminal',
      {
        schema: {
          tags,
          summary: 'What the calling terminal should capture: frames, their spread, the venue’s challenge prompt',
        },
      },
      async (req) => ({ terminal: req.terminal, maxFrames: limits.frames, ...service.captureGuide }),
    );

    app.post(
      '/api/checkin/terminals',
      {
        schema: {
          tags,
          summary: 'Enrol a kiosk terminal: a one-time pairing code (15 minutes) to enter on the kiosk',
          body: T.Object(
            { id: T.String({ pattern: TERMINAL_ID.source, description: 'terminal id, e.g. kiosk-entrance' }), by: By },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        return reply.code(201).send(terminals.issuePairingCode(req.body.id, req.body.by));
      },
    );

    app.get(
      '/api/checkin/terminals',
      { schema: { tags, summary: 'Enrolled kiosk terminals (no credentials)' } },
      async () => terminals.list(),
    );

    app.post(
      '/api/checkin/terminals/:id/revoke',
      {
        schema: {
          tags,
          summary: "Revoke a terminal's credential (and any outstanding pairing code) at once",
          params: T.Object({ id: T.String({ minLength: 1, maxLength: 64 }) }),
          body: T.Object({ by: By }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        terminals.revoke(req.params.id, req.body.by);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/checkin/terminals/pair',
      {
        // Ten guesses a minute per address against codes of 32^10 that live 15 minutes.
        config: { rateLimit: { max: 10, timeWindow: 60_000 } },
        schema: {
          tags,
          summary: 'The kiosk exchanges its pairing code for its terminal credential (once)',
          body: T.Object({ code: T.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        const paired = terminals.pair(req.body.code);
        if (!paired) return reply.code(401).send({ error: '配对码无效或已过期 · pairing code unknown or expired' });
        return paired;
      },
    );

    app.post(
      '/api/checkin/manual',
      {
        schema: {
          tags,
          summary: "A witness's manual verification (always available)",
          body: T.Object(
            { by: By, pseudonym: Pseudonym, note: T.Optional(T.String({ maxLength: 500 })) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) =>
        service.checkInManually({ witness: req.body.by, pseudonym: req.body.pseudonym, note: req.body.note }),
    );

    app.post(
      '/api/checkin/release',
      {
        schema: {
          tags,
          summary: 'Check-out (签退): hands back the badge and phone locker of a check-in (checkin.released)',
          body: T.Object(
            { by: By, pseudonym: Pseudonym, session: T.Optional(T.String({ minLength: 1, maxLength: 64 })) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const { by, pseudonym, session } = req.body;
        const e = services.checkin.checkout.release({ pseudonym, session, by, reason: 'check-out' });
        return { seq: e.seq, session: e.session, ...e.data };
      },
    );

    app.post(
      '/api/checkin/id-cards',
      {
        schema: {
          tags,
          summary: "Register a drawn expert's ID-card number (only its keyed hash is stored)",
          body: T.Object({ pseudonym: Pseudonym, idNumber: IdNumber }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        idCards.register(req.body.pseudonym, req.body.idNumber);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/checkin/consent',
      {
        schema: {
          tags,
          summary: 'Record consent to face enrolment',
          body: T.Object({ pseudonym: Pseudonym, by: By }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        biometrics.grantConsent(req.body.pseudonym, req.body.by);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/checkin/consent/:pseudonym/withdraw',
      {
        schema: {
          tags,
          summary: 'Withdraw consent: deletes every face template of the person',
          params: T.Object({ pseudonym: Pseudonym }),
          body: T.Object({ by: By }, { additionalProperties: false }),
        },
      },
      async (req) => {
        return { templatesDeleted: biometrics.withdrawConsent(req.params.pseudonym, req.body.by) };
      },
    );

    app.post(
      '/api/checkin/enrol',
      {
        bodyLimit: bodyLimit(limits, 3),
        schema: {
          tags,
          summary: 'Enrol 1–3 photos for 1:N check-in (consent must be on record)',
          body: T.Object(
            { pseudonym: Pseudonym, photos: T.Array(Image, { minItems: 1, maxItems: 3 }), by: By },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const { images, contentType } = decodeAll(
          req.body.photos,
          req.body.photos.map((_, i) => `photos[${i}]`),
          limits,
        );
        const templates = await service.enrol({ ...req.body, photos: images, contentType });
        return { templates: templates.length };
      },
    );

    // The kiosk page on a terminal's screen gets the card its chip reader read (face-terminal contract,
    // `idcard-read`): the terminal is paired under its device id, so the card stays with the screen it was read at.
    const cardReads = new CardReads();
    ctx.gateway.onEvent('face-terminal', 'idcard-read', (device, p) =>
      cardReads.put(device.id, { idNumber: p.idNumber as string, photo: p.photo as string }),
    );
    app.get(
      '/api/checkin/terminal/card',
      {
        schema: {
          tags,
          summary:
            "The next ID card the calling terminal's chip reader read after `after` (waits up to 25 s; without `after`, answers the current position at once)",
          querystring: T.Object({ after: T.Optional(T.Integer({ minimum: 0 })) }),
        },
      },
      async (req, reply) => {
        const { after } = req.query;
        if (after === undefined) return { seq: cardReads.position, card: null };
        const gone = new AbortController();
        reply.raw.once('close', () => gone.abort());
        const read = await cardReads.next(req.terminal ?? '', after, 25_000, gone.signal);
        if (!read) return { seq: after, card: null };
        return { seq: read.seq, card: { idNumber: read.idNumber, photo: read.photo } };
      },
    );

    app.get(
      '/api/checkin/terminal/labels',
      { schema: { tags, summary: 'What the kiosk calls the venue’s places: phone locker banks by their names' } },
      async () => ({
        lockers: Object.fromEntries(ctx.venue.devices.filter((d) => d.kind === 'locker').map((d) => [d.id, d.name])),
      }),
    );

    app.post(
      '/api/checkin/prewarm',
      { schema: { tags, summary: 'Start the face engine now (the paired kiosk page calls this when it loads)' } },
      async (_req, reply) => {
        await prewarm();
        return reply.code(204).send();
      },
    );
  };
