import { describe, expect, it } from 'vitest';
import { LOGIN_LIMITS, LoginLimiter } from './login-limits.ts';

/** Makes `n` attempts at time `now` and returns how many were allowed. */
function allowed(limiter: LoginLimiter, n: number, attempt: (i: number) => [string, string], now = 0): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (!limiter.attempt(...attempt(i), now)) ok++;
  return ok;
}

describe('sign-in limits', () => {
  it.each([
    {
      what: 'one address guessing one user',
      attempt: (): [string, string] => ['10.0.0.1', 'admin'],
      allowed: LOGIN_LIMITS.perAddressAndUser,
    },
    {
      what: 'many addresses guessing one user',
      attempt: (i: number): [string, string] => [`10.0.${i}.1`, 'admin'],
      allowed: LOGIN_LIMITS.perUser,
    },
    {
      what: 'one address trying one password on many users',
      attempt: (i: number): [string, string] => ['10.0.0.1', `user-${i}`],
      allowed: LOGIN_LIMITS.perAddress,
    },
  ])('$what: $allowed attempts a minute', ({ attempt, allowed: expected }) => {
    expect(allowed(new LoginLimiter(), 100, attempt)).toBe(expected);
  });

  it('says which limit was reached and when to try again; a new window allows again', () => {
    const limiter = new LoginLimiter();
    allowed(limiter, LOGIN_LIMITS.perUser, (i) => [`10.0.${i}.1`, 'admin'], 1000);
    expect(limiter.attempt('10.9.9.9', 'admin', 21_000)).toEqual({ limit: 'username', retryAfterMs: 40_000 });
    // Another user from the same address is not held back by it.
    expect(limiter.attempt('10.9.9.9', 'witness', 21_000)).toBeNull();
    expect(limiter.attempt('10.9.9.9', 'admin', 61_001)).toBeNull();
  });
});
