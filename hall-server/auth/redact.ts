import type { EventLog } from '../../edge/store/event-log.ts';
import type { NameLookup } from './expert-names.ts';
import { type ConsoleUser, NAME_ROLES } from './roles.ts';

export function canSeeNames(user: ConsoleUser | null): boolean {
  return user !== null && NAME_ROLES.includes(user.role);
}

/** A person as one viewer may see them: always the pseudonym, the name only for roles allowed to see it. */
export interface PersonView {
  pseudonym: string;
  name: string | null;
}

/**
 * The one way any module turns pseudonyms into names for a viewer. Names are given only to roles allowed to
 * see them, and every time names are given the view is recorded (`audit.names-viewed`, actor = the viewer,
 * the pseudonyms shown, never the names).
 */
export function peopleFor(
  viewer: ConsoleUser | null,
  pseudonyms: readonly string[],
  names: NameLookup,
  audit: { log: EventLog; purpose: string; session?: string | null },
): PersonView[] {
  if (!canSeeNames(viewer)) return pseudonyms.map((pseudonym) => ({ pseudonym, name: null }));
  const people = pseudonyms.map((pseudonym) => ({ pseudonym, name: names.nameOf(pseudonym) }));
  const shown = people.filter((p) => p.name !== null).map((p) => p.pseudonym);
  if (shown.length > 0)
    audit.log.append({
      type: 'audit.names-viewed',
      actor: viewer!.username,
      session: audit.session ?? null,
      data: { purpose: audit.purpose, pseudonyms: shown },
    });
  return people;
}
