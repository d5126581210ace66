import type { VenueContext, VenueModule } from './context.ts';
import { SessionService } from './sessions/session-service.ts';

/**
 * The venue's capabilities (sessions, check-in, access, tracking, …), built once at start. Each capability
 * adds its service here and builds it in startServices; hall-server routes reach them through ctx.services.
 */
export interface VenueServices {
  /** Evaluation sessions: schedule import, states, authorised experts, check-ins (edge/sessions). */
  sessions: SessionService;
  /** Stop hooks, run in reverse order at shutdown. */
  modules: VenueModule[];
}

export async function startServices(ctx: VenueContext): Promise<VenueServices> {
  const modules: VenueModule[] = [];
  const sessions = new SessionService(ctx.log, ctx.venue);
  sessions.start();
  modules.push({ name: 'sessions', stop: () => sessions.stop() });
  return { sessions, modules };
}
