import { useEffect } from "preact/hooks";

/** Function keys for the counter: every action has one. */
export function useKeys(map: Record<string, (() => void) | undefined>) {
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const action = map[e.key];
      if (action) {
        e.preventDefault();
        action();
      }
    };
    addEventListener("keydown", on);
    return () => removeEventListener("keydown", on);
  });
}
