import { useEffect, useRef } from "preact/hooks";

/**
 * Function keys for the counter: every action has one. The map is the one of
 * the latest render: a key pressed right after a change (F4 just after typing
 * an amount, F2 just after Esc) acts on what the screen shows now, not on
 * what it showed before effects ran.
 */
export function useKeys(map: Record<string, (() => void) | undefined>) {
  const latest = useRef(map);
  latest.current = map;
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const action = latest.current[e.key];
      if (action) {
        e.preventDefault();
        action();
      }
    };
    addEventListener("keydown", on);
    return () => removeEventListener("keydown", on);
  }, []);
}
