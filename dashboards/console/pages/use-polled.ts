import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { lastError } from '../store.ts';

/**
 * A resource the page polls while it is shown (status that is not in the event feed). A new `revision` loads it
 * again at once (after the page changed it) without clearing what is shown.
 */
export function usePolled<T>(path: string | null, everyMs: number, revision = 0): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => setValue(null), [path]);
  useEffect(() => {
    if (!path) return;
    let live = true;
    const load = () =>
      request<T>(path)
        .then((v) => {
          if (live) setValue(v);
        })
        .catch((err: Error) => {
          if (live) lastError.value = err.message;
        });
    void load();
    const timer = everyMs > 0 ? setInterval(load, everyMs) : null;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [path, everyMs, revision]);
  return value;
}
