import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { lastError } from '../store.ts';

/** A resource the page polls while it is shown (status that is not in the event feed). */
export function usePolled<T>(path: string | null, everyMs: number): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    setValue(null);
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
  }, [path, everyMs]);
  return value;
}
