import type { VenueContext, VenueModule } from './context.ts';

/**
 * The venue's capabilities (sessions, check-in, access, tracking, …), built once at start. Each capability
 * adds its service here and builds it in startServices; hall-server routes reach them through ctx.services.
 */
export interface VenueServices {
  /** Stop hooks, run in reverse order at shutdown. */
  modules: VenueModule[];
}

export async function startServices(_ctx: VenueContext): Promise<VenueServices> {
  const modules: VenueModule[] = [];
  return { modules };
}
