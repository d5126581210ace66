// The demo's living venue: a sample evaluation session today, and a few check-ins at the face terminal with the
// shared test photos (read in place from ../shared/faces, never copied).
import type { Venue } from '../config/schema.ts';
import type { VenueServices } from '../edge/context.ts';
import { dayBounds, LIVE_STATES, venueDay } from '../edge/sessions/model.ts';
import type { FaceTerminalSimulator, ShownResult } from './face-terminal/face-terminal-simulator.ts';
import { cameraFrame, facesDir, photo } from './face-terminal/shared-photos.ts';

/** A pseudonymous expert of the sample session; `face` is the shared photo identity that plays them, if any. */
export interface DemoExpert {
  pseudonym: string;
  seat: string | null;
  face: string | null;
  /** An obviously fake ID number (region 990000 does not exist), registered as the expert-draw system would. */
  idNumber: string;
}

const FACES = ['Colin_Powell', 'Ariel_Sharon', 'George_W_Bush', 'Donald_Rumsfeld'];
const EXPERTS = 6;

/**
 * The session started a minute ago: the demo's check-ins fall inside the late-entry window (start + 5 min), and its
 * room's footage is locked to it from the first segment.
 */
const STARTED_MS_AGO = 60_000;
const LENGTH_MS = 4 * 3600_000;

/**
 * Today's sample session in the venue's first evaluation room, with check-in open and the experts' ID cards
 * registered. Safe to run on every start: while today's demo session is live it is reused as it is (its schedule
 * never moves); once it has ended or been completed, the next start imports a new one (`DEMO-<venue>-<day>-2`, …)
 * with its own experts, so the demo restarts cleanly any number of times a day.
 */
export function importDemoSession(
  services: VenueServices,
  venue: Venue,
  now = Date.now(),
): { session: string; experts: DemoExpert[] } {
  const room = venue.zones.find((z) => z.type === 'evaluation-room');
  if (!room) throw new Error(`venue ${venue.id} has no evaluation room for the demo session`);
  const day = venueDay(now);
  const compactDay = day.replaceAll('-', '');
  const firstId = `DEMO-${venue.id}-${compactDay}`;
  const todays = services.sessions.list({ day }).filter((s) => s.id === firstId || s.id.startsWith(`${firstId}-`));
  const live = todays.find((s) => LIVE_STATES.includes(s.state) && s.end > now);
  const run = live ? todays.indexOf(live) : todays.length;
  const experts: DemoExpert[] = Array.from({ length: EXPERTS }, (_, i) => {
    const n = run * EXPERTS + i + 1;
    return {
      pseudonym: `ZJ-${compactDay.slice(2)}-${String(n).padStart(2, '0')}`,
      seat: room.seats?.[i]?.id ?? null,
      face: FACES[i] ?? null,
      idNumber: `99000019800101${String(n).padStart(3, '0')}X`,
    };
  });
  const id = live?.id ?? (run === 0 ? firstId : `${firstId}-${run + 1}`);
  if (!live) {
    const start = Math.max(dayBounds(day)![0], now - STARTED_MS_AGO);
    const report = services.sessions.importSchedule(
      [
        {
          id,
          transactionCode: `${venue.id.toUpperCase()}-DEMO-${day}${run ? `-${run + 1}` : ''}`,
          project: { code: `DEMO-${compactDay}`, name: '示例项目：市政道路改造工程施工招标（演示）' },
          room: room.id,
          start,
          end: start + LENGTH_MS,
          experts: experts.map((e) => ({ pseudonym: e.pseudonym, ...(e.seat ? { seat: e.seat } : {}) })),
        },
      ],
      { source: 'demo', by: 'demo' },
    );
    if (report.rejected.length) throw new Error(`demo session refused: ${report.rejected[0]!.error}`);
  }
  if (services.sessions.get(id)?.state === 'scheduled')
    services.sessions.transition(id, 'checkin-open', { by: 'demo', reason: 'demo start' });
  for (const e of experts) services.checkin.idCards.register(e.pseudonym, e.idNumber);
  return { session: id, experts };
}

export interface DemoCheckin {
  pseudonym: string;
  impostor: boolean;
  shown: ShownResult;
}

/**
 * Plays check-ins at the face terminal: the first experts with a face, each with their card and two camera
 * frames of themselves, then one impostor (someone else's face on the next card). Experts already checked in
 * (a second demo run today) are skipped. Without the shared photos it reports why and plays nothing.
 */
export async function playDemoCheckins(
  terminal: FaceTerminalSimulator,
  services: VenueServices,
  demo: { session: string; experts: DemoExpert[] },
  options: { genuine?: number; pauseMs?: number; onResult?: (c: DemoCheckin) => void } = {},
): Promise<DemoCheckin[]> {
  facesDir(); // throws with the places it looked when the photos are missing
  const { genuine = 3, pauseMs = 3000, onResult = () => {} } = options;
  const withFace = demo.experts.filter((e) => e.face);
  const waiting = withFace.filter((e) => !services.sessions.checkinOf(demo.session, e.pseudonym));
  const plays = [
    ...waiting.slice(0, genuine).map((e) => ({ card: e, face: e.face!, impostor: false })),
    // The next expert's card with the first expert's face: refused, the expert stays to be checked in.
    ...waiting.slice(genuine, genuine + 1).map((e) => ({ card: e, face: withFace[0]!.face!, impostor: true })),
  ];
  const results: DemoCheckin[] = [];
  for (const play of plays) {
    const shown = await terminal.attempt({
      card: { idNumber: play.card.idNumber, name: '演示专家', photo: photo('lfw', play.card.face!, 0) },
      frames: [await cameraFrame([photo('lfw', play.face, 1)]), await cameraFrame([photo('lfw', play.face, 2)])],
    });
    const result = { pseudonym: play.card.pseudonym, impostor: play.impostor, shown };
    results.push(result);
    onResult(result);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return results;
}
