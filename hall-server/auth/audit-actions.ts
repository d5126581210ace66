/** What a person did, as the audit log viewer groups it (shared with the console page: no imports here). */
export const AUDIT_ACTIONS = ['replayed', 'viewed', 'exported', 'names', 'denied', 'changed', 'signed-in'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One entry of the audit trail (GET /api/audit-log). */
export interface AuditEntry {
  seq: number;
  at: number;
  type: string;
  action: AuditAction;
  actor: string | null;
  session: string | null;
  subject: string | null;
  data: Record<string, unknown>;
}
