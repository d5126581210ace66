import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { transform } from 'esbuild';
import type { FastifyReply } from 'fastify';
import { BiometricError } from '../../edge/checkin/biometric-store.ts';
import type { CheckinResult } from '../../edge/checkin/checkin-service.ts';
import { CheckoutError } from '../../edge/checkin/checkout.ts';
import { FaceError } from '../../edge/checkin/face/face-errors.ts';
import type { VenueContext } from '../../edge/context.ts';
import type { VenueServices } from '../../edge/services.ts';

/** A JPEG/PNG as a data URL (`data:image/jpeg;base64,…`, whose type is checked) or bare base64. */
const Image = T.String({ minLength: 1, maxLength: 14_000_000, description: 'data URL or base64 JPEG/PNG' });
const Frames = T.Array(Image, { minItems: 1, maxItems: 5, description: 'live camera frames' });
const IdNumber = T.String({ pattern: '^[0-9]{17}[0-9X]$', description: '18-character resident ID number' });
const Pseudonym = T.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' });
const By = T.String({
  minLength: 1,
  maxLength: 64,
  description: 'who acts: the signed-in console user (filled in when left out)',
});
const Terminal = T.String({ minLength: 1, maxLength: 64, description: 'the kiosk or terminal id' });
/** Five frames and a photo of up to 10 MB each, base64: larger bodies are refused by fastify before parsing. */
const BODY_LIMIT = 84 * 1024 * 1024;

interface DecodedImage {
  bytes: Buffer;
  contentType?: string;
}

function decodeImage(value: string): DecodedImage {
  const match = /^data:([^;,]*)(;base64)?,/.exec(value);
  if (!match) return { bytes: Buffer.from(value, 'base64') };
  return { bytes: Buffer.from(value.slice(match[0].length), 'base64'), contentType: match[1] || 'text/plain' };
}

/** One declared content type for the attempt: the first data URL's; a different one on another image is a bad image. */
function decodeAll(values: string[], fields: string[]): { images: Buffer[]; contentType?: string } {
  const decoded = values.map(decodeImage);
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

function fail(reply: FastifyReply, err: unknown) {
  if (err instanceof FaceError) return reply.code(400).send({ error: err.message, field: err.field, code: err.code });
  if (err instanceof BiometricError) return reply.code(409).send({ error: err.message });
  if (err instanceof CheckoutError) return reply.code(err.status).send({ error: err.message });
  throw err;
}

const KIOSK_DIR = new URL('../../dashboards/kiosk/', import.meta.url);

export const checkinRoutes =
  (_ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { service, biometrics, idCards, prewarm } = services.checkin;
    const tags = ['checkin'];

    app.post(
      '/api/checkin/id-card',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags,
          summary: '人证核验: ID-card chip data and live frames (from the kiosk page)',
          body: T.Object(
            { terminal: T.Optional(Terminal), idNumber: IdNumber, photo: Image, frames: Frames },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        try {
          const { images, contentType } = decodeAll(
            [req.body.photo, ...req.body.frames],
            ['photo', ...req.body.frames.map((_, i) => `frames[${i}]`)],
          );
          const [chipPhoto, ...frames] = images;
          const result = await service.checkInWithIdCard({
            by: req.body.terminal ?? 'kiosk',
            idNumber: req.body.idNumber,
            chipPhoto: chipPhoto!,
            frames,
            contentType,
          });
          return answer(reply, result);
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.post(
      '/api/checkin/face',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags,
          summary: 'Check-in by enrolled face (1:N)',
          body: T.Object({ terminal: T.Optional(Terminal), frames: Frames }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        try {
          const { images, contentType } = decodeAll(
            req.body.frames,
            req.body.frames.map((_, i) => `frames[${i}]`),
          );
          return answer(
            reply,
            await service.checkInWithFace({ by: req.body.terminal ?? 'kiosk', frames: images, contentType }),
          );
        } catch (err) {
          return fail(reply, err);
        }
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
      async (req, reply) => {
        try {
          const { by, pseudonym, session } = req.body;
          const e = services.checkin.checkout.release({ pseudonym, session, by, reason: 'check-out' });
          return { seq: e.seq, session: e.session, ...e.data };
        } catch (err) {
          return fail(reply, err);
        }
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
      async (req, reply) => {
        try {
          return { templatesDeleted: biometrics.withdrawConsent(req.params.pseudonym, req.body.by) };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.post(
      '/api/checkin/enrol',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          tags,
          summary: 'Enrol 1–3 photos for 1:N check-in (consent must be on record)',
          body: T.Object(
            { pseudonym: Pseudonym, photos: T.Array(Image, { minItems: 1, maxItems: 3 }), by: By },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        try {
          const { images, contentType } = decodeAll(
            req.body.photos,
            req.body.photos.map((_, i) => `photos[${i}]`),
          );
          const templates = await service.enrol({ ...req.body, photos: images, contentType });
          return { templates: templates.length };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.post(
      '/api/checkin/prewarm',
      { schema: { tags, summary: 'Start the face engine now (the kiosk page calls this when it loads)' } },
      async (_req, reply) => {
        await prewarm();
        return reply.code(204).send();
      },
    );

    // The kiosk page: plain HTML and one TypeScript module, compiled once on first request.
    let kioskJs: Promise<string> | null = null;
    app.get('/kiosk/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(await readFile(new URL('index.html', KIOSK_DIR), 'utf8')),
    );
    app.get('/kiosk', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/kiosk/'));
    app.get('/kiosk/kiosk.js', { schema: { hide: true } }, async (_req, reply) => {
      kioskJs ??= readFile(new URL('kiosk.ts', KIOSK_DIR), 'utf8').then(
        async (source) => (await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' })).code,
      );
      return reply.type('text/javascript; charset=utf-8').send(await kioskJs);
    });
  };
