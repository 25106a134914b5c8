import { useEffect, useRef } from "preact/hooks";

/**
 * Ask `fetch` every `ms` while `enabled` and the window is visible, one
 * request at a time; `apply` gets each answer unless polling stopped while
 * it was on its way (so a late answer never lands in a state it no longer
 * fits). Failures are left to the next round.
 */
export function usePoll<T>(enabled: boolean, ms: number, fetch: () => Promise<T>, apply: (t: T) => void) {
  const latest = useRef({ fetch, apply });
  latest.current = { fetch, apply };
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let running = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      timer = undefined;
      if (stopped || running || document.hidden) return;
      running = true;
      try {
        const t = await latest.current.fetch();
        if (!stopped) latest.current.apply(t);
      } catch {
        // The next round asks again.
      } finally {
        running = false;
      }
      if (!stopped && !document.hidden) timer = setTimeout(run, ms);
    };
    const visibility = () => {
      if (document.hidden) {
        clearTimeout(timer);
        timer = undefined;
      } else if (timer === undefined) {
        void run();
      }
    };
    void run();
    document.addEventListener("visibilitychange", visibility);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", visibility);
    };
  }, [enabled, ms]);
}
