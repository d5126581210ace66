/**
 * Double booking (docs/sessions-access.md, Rules: `double-booking`): a room holds one session at a time, and an
 * expert sits in one session at a time. A session whose window overlaps another live session in the same room,
 * or that lists an expert of another overlapping live session, is refused naming the other session.
 */

export interface Booking {
  id: string;
  room: string;
  start: number;
  end: number;
  experts: readonly { pseudonym: string }[];
}

const overlaps = (a: Booking, b: Booking) => a.start < b.end && b.start < a.end;

/** The first clash of `candidate` with `others` (its own id is skipped), as a field path and reason, or null. */
export function bookingConflict(
  candidate: Booking,
  others: Iterable<Booking>,
  describe: (b: Booking) => string,
): string | null {
  for (const other of others) {
    if (other.id === candidate.id || !overlaps(candidate, other)) continue;
    if (other.room === candidate.room)
      return `/room: ${candidate.room} is booked at overlapping times by session ${other.id} (${describe(other)})`;
    const theirs = new Set(other.experts.map((e) => e.pseudonym));
    const i = candidate.experts.findIndex((e) => theirs.has(e.pseudonym));
    if (i >= 0)
      return `/experts/${i}/pseudonym: "${candidate.experts[i]!.pseudonym}" is also in session ${other.id} at overlapping times (${describe(other)})`;
  }
  return null;
}
