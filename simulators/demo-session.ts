// The demo's living venue: a sample evaluation session today, and a few check-ins at the face terminal with
// faces found in the sample photos inside the @vladmandic/face-api package (simulators/demo-cast.ts),
// else the shared test photos where present (read in place from ../shared/faces, never copied).
import type { Venue } from '../config/schema.ts';
import type { VenueServices } from '../edge/context.ts';
import { dayBounds, LIVE_STATES, venueDay } from '../edge/sessions/model.ts';
import { type DemoCast, demoCast } from './demo-cast.ts';
import type { FaceTerminalSimulator, ShownResult } from './face-terminal/face-terminal-simulator.ts';

/** A pseudonymous expert of the sample session. */
export interface DemoExpert {
  pseudonym: string;
  seat: string | null;
  /** An obviously fake ID number (region 990000 does not exist), registered as the expert-draw system would. */
  idNumber: string;
}

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
  // A demo session still running is reused whatever day it began on: one started before midnight holds the room
  // into the next day, and a new one beside it would be refused as a double booking.
  const prefix = `DEMO-${venue.id}-`;
  const live = services.sessions
    .list()
    .find((s) => s.id.startsWith(prefix) && LIVE_STATES.includes(s.state) && s.end > now);
  const [runDay = compactDay, runSuffix] = live ? live.id.slice(prefix.length).split('-') : [];
  const run = live ? (runSuffix ? Number(runSuffix) - 1 : 0) : todays.length;
  const experts: DemoExpert[] = Array.from({ length: EXPERTS }, (_, i) => {
    const n = run * EXPERTS + i + 1;
    return {
      pseudonym: `ZJ-${runDay.slice(2)}-${String(n).padStart(2, '0')}`,
      seat: room.seats?.[i]?.id ?? null,
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
 * Plays check-ins at the face terminal: the first experts each played by a person of the demo's cast (their card
 * with the cast member's chip photo, two camera frames of them), then one impostor (a stranger's chip photo on
 * the next card, the first cast member at the camera). Experts already checked in (a second demo run today) are
 * skipped. The cast comes from face-api's sample photos, else the shared photos (`sharedFaces: false` leaves
 * those out); without either it throws saying so and plays nothing.
 */
export async function playDemoCheckins(
  terminal: FaceTerminalSimulator,
  services: VenueServices,
  demo: { session: string; experts: DemoExpert[] },
  options: {
    genuine?: number;
    pauseMs?: number;
    sharedFaces?: boolean;
    /** How long the terminal waits for each answer (a busy machine's first check-in also starts the face engine). */
    attemptTimeoutMs?: number;
    onCast?: (cast: DemoCast) => void;
    onResult?: (c: DemoCheckin) => void;
  } = {},
): Promise<DemoCheckin[]> {
  const { genuine = 3, pauseMs = 3000, onCast = () => {}, onResult = () => {} } = options;
  const cast = await demoCast({ sharedFaces: options.sharedFaces });
  onCast(cast);
  const waiting = demo.experts.filter((e) => !services.sessions.checkinOf(demo.session, e.pseudonym));
  const playing = Math.min(genuine, cast.members.length);
  const first = cast.members[0]!;
  const plays = [
    ...waiting.slice(0, playing).map((e, i) => ({
      card: e,
      chipPhoto: cast.members[i]!.chipPhoto,
      frames: cast.members[i]!.frames,
      impostor: false,
    })),
    // The next expert's card with a stranger's chip photo, the first cast member at the camera: refused.
    ...waiting
      .slice(playing, playing + 1)
      .map((e) => ({ card: e, chipPhoto: cast.stranger, frames: first.frames, impostor: true })),
  ];
  const results: DemoCheckin[] = [];
  for (const play of plays) {
    const shown = await terminal.attempt(
      {
        card: { idNumber: play.card.idNumber, name: '演示专家', photo: play.chipPhoto },
        frames: play.frames,
      },
      options.attemptTimeoutMs,
    );
    const result = { pseudonym: play.card.pseudonym, impostor: play.impostor, shown };
    results.push(result);
    onResult(result);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return results;
}
