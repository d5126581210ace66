/**
 * Polls `check` until `ok` accepts its value and returns that value; at the timeout it throws, naming what was
 * awaited and the last value seen (unlike `eventually`, which returns silently).
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
