import type { PassageData } from './access-store.ts';

export interface PendingGrant {
  grantId: string;
  /** Where the person is once through, and what that changes: recorded with the passage, not the grant. */
  passage: PassageData;
  expiresAt: number;
}

/**
 * Grants waiting for their passage (docs/sessions-access.md, Rules: a grant not followed by its passage expires). A door's passage report
 * takes one grant, which moves the person; a grant nobody walks through within `expiryMs` lapses, so a
 * granted expert who turns back is still where they were (and not locked out by anti-passback). A new grant
 * for the same person at the same door replaces their earlier one. Time is passed in.
 */
export class PendingGrants {
  private readonly byDevice = new Map<string, PendingGrant[]>();

  constructor(private readonly expiryMs: number) {}

  add(device: string, grantId: string, passage: PassageData, at: number): void {
    const live = this.live(device, at).filter((g) => !passage.person || g.passage.person !== passage.person);
    live.push({ grantId, passage, expiresAt: at + this.expiryMs });
    this.byDevice.set(device, live);
  }

  /** The grant a passage uses: the one it names, or the oldest live one when the sensor names none. */
  take(device: string, grantId: string | undefined, at: number): PendingGrant | null {
    const live = this.live(device, at);
    const i = grantId ? live.findIndex((g) => g.grantId === grantId) : live.length ? 0 : -1;
    const [taken] = i >= 0 ? live.splice(i, 1) : [];
    this.byDevice.set(device, live);
    return taken ?? null;
  }

  private live(device: string, at: number): PendingGrant[] {
    return (this.byDevice.get(device) ?? []).filter((g) => g.expiresAt >= at);
  }
}
