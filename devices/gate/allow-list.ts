/**
 * How a gate or door controller decides from its allow-list while the edge is unreachable. Firmware and the
 * simulator follow this rule; the edge uses it to check the offline decisions a device reports.
 */
export type Direction = 'in' | 'out';

export interface AllowListEntry {
  credential: { type: 'face' | 'id-card' | 'badge' | 'staff-card'; value: string };
  direction: Direction;
  until: number;
}

export interface AllowList {
  version: number;
  expiresAt: number;
  entries: AllowListEntry[];
  /** Directions anyone may pass (free egress). */
  freeDirections?: Direction[];
}

export function allowListPermits(
  list: AllowList,
  credential: AllowListEntry['credential'],
  direction: Direction,
  at: number,
): boolean {
  if (at > list.expiresAt) return false;
  if (list.freeDirections?.includes(direction)) return true;
  return list.entries.some(
    (e) =>
      e.direction === direction &&
      e.until >= at &&
      e.credential.type === credential.type &&
      e.credential.value === credential.value,
  );
}
