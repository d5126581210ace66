import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { StringEnum } from '../../config/json-schema.ts';
import type { Board } from '../../devices/display/contract.ts';
import type { VenueContext, VenueServices } from '../../edge/context.ts';
import type { Notice } from '../../edge/displays/display-service.ts';
import { NOTICE_TEMPLATES, type NoticeTemplate } from '../../edge/displays/notice-templates.ts';

export const displayRoutes =
  (ctx: VenueContext, services: VenueServices): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { displays } = services;

    app.get('/api/displays', { schema: { tags: ['displays'], summary: 'Every board and what it shows' } }, async () =>
      displays.list(),
    );

    app.post(
      '/api/displays/notices',
      {
        schema: {
          tags: ['displays'],
          summary:
            "Pushes a witness notice (a template with seat numbers or pseudonyms, or free text checked for expert names) to one room's boards or to all displays; answers who acknowledged it",
          body: T.Object({
            target: T.String({ minLength: 1, description: 'a room id, or "all"' }),
            template: T.Optional(StringEnum(Object.keys(NOTICE_TEMPLATES) as NoticeTemplate[])),
            params: T.Optional(
              T.Record(T.String(), T.Union([T.String({ maxLength: 64 }), T.Integer()]), {
                description: "the template's parameters: seat (s3 or 3), pseudonym, minutes",
              }),
            ),
            text: T.Optional(
              T.String({ minLength: 1, maxLength: 200, description: 'free text instead of a template' }),
            ),
            level: T.Optional(StringEnum(['info', 'reminder'])),
            by: T.String({ minLength: 1, description: 'the witness (console user id)' }),
          }),
        },
      },
      async (req) => {
        return await displays.notify(req.body);
      },
    );

    // The display page talks to the hall server, not to MQTT: a browser screen holds no device credential.
    app.get(
      '/api/displays/:id/live',
      { websocket: true, schema: { tags: ['displays'], params: T.Object({ id: T.String() }) } },
      (socket, req) => {
        const id = (req.params as { id: string }).id;
        let first: Board;
        try {
          first = displays.boardOf(id);
        } catch (err) {
          socket.close(4404, (err as Error).message.slice(0, 120));
          return;
        }
        socket.send(JSON.stringify({ type: 'content', board: first }));
        const onContent = (displayId: string, board: Board) => {
          if (displayId === id) socket.send(JSON.stringify({ type: 'content', board }));
        };
        const onNotice = (ids: string[], notice: Notice) => {
          if (ids.includes(id)) socket.send(JSON.stringify({ type: 'notice', notice }));
        };
        displays.on('content', onContent);
        displays.on('notice', onNotice);
        socket.on('message', (raw) => {
          try {
            const m = JSON.parse(String(raw)) as { type?: string; noticeId?: unknown };
            if (m.type === 'ack' && typeof m.noticeId === 'string' && m.noticeId.length <= 64)
              displays.acknowledgeNotice(m.noticeId, id);
          } catch {
            ctx.logger.debug({ display: id }, 'display page sent a message that is not JSON');
          }
        });
        socket.on('close', () => {
          displays.off('content', onContent);
          displays.off('notice', onNotice);
        });
      },
    );
  };
