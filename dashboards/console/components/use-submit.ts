import { useState } from 'preact/hooks';

/**
 * A form's submit: no page reload, the form busy while its action runs (so a second press does not send it twice),
 * and the failure kept as `describe` tells it (a message, or errors by field) until the next submit.
 */
export function useSubmit<Failure>(describe: (err: unknown) => Failure) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Failure | null>(null);
  const submit = (action: () => Promise<void>) => async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
