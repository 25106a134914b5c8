// Who sits at the panel, as each window knows it. The backend owns the seat
// (the panel and the records window share it); a window asks again on its
// poll, when a command was refused for want of a seat (SEAT_EVENT), and when
// it comes back into view.

import { useState } from "preact/hooks";
import { backend, SEAT_EVENT } from "./backend";
import type { SeatView } from "./bindings/SeatView";
import { usePoll } from "./poll";

/** Same operator, same lock: nothing on screen changes. */
export const sameSeat = (a: SeatView | null, b: SeatView | null) =>
  a === b ||
  (a !== null && b !== null && a.operator?.id === b.operator?.id && a.operator?.role === b.operator?.role &&
    a.operator?.name === b.operator?.name && a.locked === b.locked && a.needsFirstAdmin === b.needsFirstAdmin);

/** Ask the gate of this window to look at the seat again now. */
export const recheckSeat = () => dispatchEvent(new Event(SEAT_EVENT));
/** What makes a window ask again at once: a refusal for want of a seat, coming back into focus. */
const SEAT_WAKE = [SEAT_EVENT, "focus"] as const;

/**
 * The seat and a way to ask again. `pollMs` 0: no own poll (the panel
 * hears of the seat from the status bar's poll instead). Only the answer to
 * the latest question lands, so a slow answer from before 解锁 never locks
 * the screen again.
 */
export function useSeat(pollMs: number): [SeatView | null, () => void] {
  const [seat, setSeat] = useState<SeatView | null>(null);
  const apply = (s: SeatView) => setSeat((old) => (sameSeat(old, s) ? old : s));
  usePoll(true, pollMs > 0 ? pollMs : null, () => backend.seat(), apply, SEAT_WAKE);
  return [seat, recheckSeat];
}

/** 工号 as facepay-core checks it, so a typo is named here instead of failing as bad arguments. */
export function staffIdProblem(id: string): string | null {
  const v = id.trim();
  if (!v) return "请输入工号";
  return /^[A-Za-z0-9_-]{1,20}$/.test(v) ? null : "工号应为 1–20 位字母、数字、“-”或“_”";
}

/** A PIN: 4–12 digits (the shell refuses anything else before looking at it). */
export const pinProblem = (pin: string): string | null => (/^\d{4,12}$/.test(pin) ? null : "PIN 应为 4–12 位数字");
