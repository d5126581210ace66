import { eventually } from './venue-harness.ts';

/** `eventually`, spelt with what is awaited first: the timeout error names it. */
export const waitUntil = <T>(what: string, check: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs: number) =>
  eventually(check, ok, timeoutMs, what);
