import type { NameGuard } from '../../edge/displays/name-guard.ts';
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

/**
 * A session as one viewer may see it: for roles that may not see names, an expert's name inside the project's
 * name or code is masked (＊ per character). Everything else is the session as it is.
 */
export function sessionFor<S extends { project: { code: string; name: string } }>(
  viewer: ConsoleUser | null,
  session: S,
  names: NameGuard,
): S {
  if (canSeeNames(viewer)) return session;
  const project = { code: names.mask(session.project.code), name: names.mask(session.project.name) };
  const same = project.code === session.project.code && project.name === session.project.name;
  return same ? session : { ...session, project };
}
