import { useEffect, useRef } from "preact/hooks";

/**
 * The panel's one way of keeping something fresh. Ask `fetch` at once, then
 * every `ms` (null: only when woken) while `enabled` and the window is
 * visible, one request at a time; any of the `wake` window events asks again
 * now. `apply` gets each answer unless polling stopped, or was woken again,
 * while it was on its way (so a late answer never lands in a state it no
 * longer fits). Failures are left to the next round.
 */
export function usePoll<T>(
  enabled: boolean,
  ms: number | null,
  fetch: () => Promise<T>,
  apply: (t: T) => void,
  wake: readonly string[] = [],
) {
  const latest = useRef({ fetch, apply });
  latest.current = { fetch, apply };
  const wakeKey = wake.join(" ");
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let running = false;
    /** Woken while a request was on its way: ask again when it is back. */
    let again = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      if (!stopped && !document.hidden && ms !== null) timer = setTimeout(run, ms);
    };
    const run = async () => {
      timer = undefined;
      if (stopped || document.hidden) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const t = await latest.current.fetch();
        // Asked again meanwhile: only the answer to the latest question lands
        // (a slow answer from before 解锁 must not lock the screen again).
        if (!stopped && !again) latest.current.apply(t);
      } catch {
        // The next round asks again.
      } finally {
        running = false;
      }
      if (again) {
        again = false;
        void run();
      } else {
        schedule();
      }
    };
    const now = () => {
      clearTimeout(timer);
      timer = undefined;
      void run();
    };
    const visibility = () => {
      if (document.hidden) {
        clearTimeout(timer);
        timer = undefined;
      } else if (timer === undefined) {
        void run();
      }
    };
    const events = wakeKey ? wakeKey.split(" ") : [];
    void run();
    document.addEventListener("visibilitychange", visibility);
    for (const e of events) addEventListener(e, now);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", visibility);
      for (const e of events) removeEventListener(e, now);
    };
  }, [enabled, ms, wakeKey]);
}
