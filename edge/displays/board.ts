import type { Board, RoomBoard } from '../../devices/display/contract.ts';
import type { EvaluationSession, SessionState } from '../sessions/model.ts';

const STATE: Record<SessionState, { state: RoomBoard['state']; label: string }> = {
  scheduled: { state: 'preparing', label: '准备' },
  'checkin-open': { state: 'preparing', label: '准备' },
  'in-progress': { state: 'evaluating', label: '评标中' },
  suspended: { state: 'paused', label: '暂停' },
  completed: { state: 'ended', label: '结束' },
  archived: { state: 'ended', label: '结束' },
  cancelled: { state: 'ended', label: '已取消' },
};

/** What a board needs about a session. Picked field by field: nothing else of the session reaches a display. */
export interface BoardSession {
  session: EvaluationSession;
  /** When the session first went in progress (from the event log), or null. */
  startedAt: number | null;
  /** When it was completed or cancelled (from the event log), or null while it runs. */
  endedAt: number | null;
}

/**
 * Seconds the evaluation has run: from when it actually went in progress (not its scheduled start), to now while
 * it runs (a pause included: the clock of the day does not stop), to its end once ended; none before it started.
 */
export function elapsedSeconds(
  state: RoomBoard['state'],
  startedAt: number | null,
  endedAt: number | null,
  now: number,
): number {
  if (startedAt === null) return 0;
  const until = state === 'evaluating' || state === 'paused' ? now : state === 'ended' ? endedAt : null;
  return until === null ? 0 : Math.max(0, Math.floor((until - startedAt) / 1000));
}

/**
 * One room's board content, built from an allow-list of fields. Expert pseudonyms, seats, staff, project
 * names and check-in details never leave this function — only counts.
 */
export function roomBoard(room: { id: string; name: string }, current: BoardSession | null, now: number): RoomBoard {
  if (!current) {
    return {
      room: room.id,
      roomName: room.name,
      projectCode: null,
      state: 'idle',
      stateLabel: '空闲',
      scheduledStart: null,
      scheduledEnd: null,
      startedAt: null,
      elapsedS: 0,
      remainingS: 0,
      checkin: { done: 0, expected: 0 },
    };
  }
  const { session, startedAt, endedAt } = current;
  const { state, label } = STATE[session.state];
  return {
    room: room.id,
    roomName: room.name,
    projectCode: session.project.code,
    state,
    stateLabel: label,
    scheduledStart: session.start,
    scheduledEnd: session.end,
    startedAt,
    elapsedS: elapsedSeconds(state, startedAt, endedAt, now),
    remainingS: state === 'ended' ? 0 : Math.max(0, Math.floor((session.end - now) / 1000)),
    checkin: {
      done: new Set(session.checkins.map((c) => c.pseudonym)).size,
      expected: session.experts.length,
    },
  };
}

export function board(kind: Board['kind'], rooms: RoomBoard[], now: number): Board {
  return { kind, at: now, rooms };
}
