/**
 * Sign-in attempts allowed per minute, counted three ways so that neither guessing one user's password from many
 * addresses nor trying one password on many users from one address goes unlimited. Every attempt counts, a
 * right password too: a guesser learns nothing from a 429.
 */
export const LOGIN_LIMITS = {
  /** One address, one username. */
  perAddressAndUser: 5,
  /** One username, from all addresses together. */
  perUser: 10,
  /** One address, all usernames together (a console on a shared witness PC signs in a few people a minute). */
  perAddress: 20,
  windowMs: 60_000,
} as const;

/** A fixed window per key; keys whose window has passed are forgotten, so the map stays small. */
export class LoginLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limits: typeof LOGIN_LIMITS = LOGIN_LIMITS) {}

  /**
   * Counts an attempt by `address` as `username` at `now`. Returns null when allowed, otherwise which limit was
   * reached and the milliseconds until its window ends.
   */
  attempt(address: string, username: string, now: number): { limit: string; retryAfterMs: number } | null {
    this.forgetBefore(now - this.limits.windowMs);
    const checks = [
      { key: `a|${address}|u|${username}`, max: this.limits.perAddressAndUser, limit: 'address and username' },
      { key: `u|${username}`, max: this.limits.perUser, limit: 'username' },
      { key: `a|${address}`, max: this.limits.perAddress, limit: 'address' },
    ];
    const windows = checks.map(({ key }) => {
      const window = this.windows.get(key) ?? { start: now, count: 0 };
      this.windows.set(key, window);
      return window;
    });
    const over = checks.findIndex((c, i) => windows[i]!.count >= c.max);
    if (over >= 0)
      return { limit: checks[over]!.limit, retryAfterMs: windows[over]!.start + this.limits.windowMs - now };
    for (const window of windows) window.count++;
    return null;
  }

  /** Windows sit in the map in the order they started, so the expired ones come first. */
  private forgetBefore(start: number): void {
    for (const [key, window] of this.windows) {
      if (window.start > start) return;
      this.windows.delete(key);
    }
  }
}
