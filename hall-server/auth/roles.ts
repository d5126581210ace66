/**
 * Console roles. A witness (见证人) and a supervisor (监督人) work the same console with the same rights,
 * so they share one role; "supervisor" is accepted as its alias when users are created.
 */
export const ROLES = ['administrator', 'witness', 'auditor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const ALL_ROLES: readonly Role[] = ROLES;

/** Roles allowed to see expert names (confidential until the result is final); everyone else sees pseudonyms. */
export const NAME_ROLES: readonly Role[] = ['administrator', 'witness'];

export function parseRole(value: string): Role | null {
  if (value === 'supervisor') return 'witness';
  return (ROLES as readonly string[]).includes(value) ? (value as Role) : null;
}

/** The signed-in console user a request acts as. */
export interface ConsoleUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}
