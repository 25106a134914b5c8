// The checkout flow as data: where the cashier is (phase), what the panel
// shows (visit, form, receipt, error) and the HIS visit it follows. Every
// change is one of the actions below, so the flow is read in one place and
// tested without a window (checkout.test.ts).

import type { IpcError } from "../backend";
import type { DeliveryReport } from "../bindings/DeliveryReport";
import type { DeliveryStatus } from "../bindings/DeliveryStatus";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { HisActivity } from "../bindings/HisActivity";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import type { Settlement } from "./SettleForm";

export type Phase = "idle" | "waiting" | "identified" | "sending" | "done";
/** What the terminal is asked to read: a face (刷脸) or the patient's 医保码 (扫码). */
export type ScanKind = "face" | "qrcode";

export type CheckoutState = {
  phase: Phase;
  kind: ScanKind;
  visit: FaceAuthOutcome | null;
  form: Settlement | null;
  receipt: NotifyReceipt | null;
  error: IpcError | null;
  /** The HIS's visit the panel is following. */
  his: HisActivity | null;
};

export type Action =
  /** 新患者: a clean panel. */
  | { type: "reset" }
  /** A scan (or the identity of a scan that succeeded) is awaited. */
  | { type: "waiting"; kind?: ScanKind }
  | { type: "identified"; visit: FaceAuthOutcome; form: Settlement }
  /** The scan or the identity fetch failed: back to idle, saying why. */
  | { type: "failed"; error: IpcError }
  /** The cashier edits the form: an old refusal no longer describes it. */
  | { type: "edited"; form: Settlement }
  | { type: "sending" }
  | { type: "sent"; receipt: NotifyReceipt }
  | { type: "refused"; error: IpcError }
  /** What became of the receipt's notification (retried, resent). */
  | { type: "delivery"; report: Pick<DeliveryReport, "status" | "lastError"> & Partial<DeliveryReport> }
  | { type: "error"; error: IpcError | null }
  /** One answer of his_activity about a visit newer than those done with. `form`: a blank one, should it be needed. */
  | { type: "his"; activity: HisActivity; form: Settlement }
  /** A settlement the HIS pushed went to the terminal (F4 on a held one). */
  | { type: "hisDelivery"; settlementId: number; status: DeliveryStatus };

export const initial: CheckoutState = {
  phase: "idle",
  kind: "face",
  visit: null,
  form: null,
  receipt: null,
  error: null,
  his: null,
};

/** The HIS's visit as if the cashier had scanned it, once the identity is known. */
export const outcomeOf = (a: HisActivity): FaceAuthOutcome | null =>
  a.identity && { visitId: a.visitId, outBizNo: a.outBizNo, authNo: a.authNo, credential: a.credential, identity: a.identity };

export function checkout(s: CheckoutState, action: Action): CheckoutState {
  switch (action.type) {
    case "reset":
      return { ...initial, kind: s.kind };
    case "waiting":
      return { ...s, phase: "waiting", kind: action.kind ?? s.kind, error: null };
    case "identified":
      return { ...s, phase: "identified", visit: action.visit, form: action.form };
    case "failed":
      return { ...s, phase: "idle", error: action.error };
    case "edited":
      return { ...s, form: action.form, error: null };
    case "sending":
      return s.phase === "identified" ? { ...s, phase: "sending", error: null } : s;
    case "sent":
      return { ...s, phase: "done", receipt: action.receipt };
    case "refused":
      return { ...s, phase: "identified", error: action.error };
    case "delivery":
      return s.receipt ? { ...s, receipt: { ...s.receipt, delivery: { ...s.receipt.delivery, ...action.report } } } : s;
    case "error":
      return { ...s, error: action.error };
    case "his":
      return followed(s, action.activity, action.form);
    case "hisDelivery":
      return s.his
        ? {
            ...s,
            his: { ...s.his, settlements: s.his.settlements.map((x) => (x.id === action.settlementId ? { ...x, delivery: action.status } : x)) },
          }
        : s;
  }
}

/**
 * A newer HIS visit takes over from whatever the panel showed (never from
 * the cashier's own scan or form: the panel does not follow then); the one
 * shown is kept up to date. Identified and not settled: the form is ready,
 * should the cashier settle by hand; settled meanwhile by the HIS: the form
 * would only settle it twice.
 */
function followed(s: CheckoutState, a: HisActivity, blank: Settlement): CheckoutState {
  const fresh = s.his?.visitId !== a.visitId;
  const next: CheckoutState = fresh ? { ...s, error: null, receipt: null, form: null, visit: null, phase: "idle", his: a } : { ...s, his: a };
  const outcome = outcomeOf(a);
  const adopt = outcome !== null && (fresh || s.visit === null);
  if (adopt) next.visit = outcome;
  const settled = a.settlements.length > 0;
  if (adopt && !settled && next.phase === "idle") {
    next.form = blank;
    next.phase = "identified";
  } else if (settled && next.phase === "identified") {
    next.form = null;
    next.phase = "idle";
  }
  return next;
}
