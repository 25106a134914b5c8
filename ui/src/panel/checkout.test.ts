import { describe, expect, it } from "vitest";
import type { IpcError } from "../backend";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { HisActivity } from "../bindings/HisActivity";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import type { SettlementRow } from "../bindings/SettlementRow";
import { type Action, type CheckoutState, checkout, initial } from "./checkout";
import type { Settlement } from "./SettleForm";

const form = { totalFee: "" } as Settlement;
const visit = (visitId: number) => ({ visitId, outBizNo: `V-${visitId}` }) as FaceAuthOutcome;
const error = (code: string): IpcError => ({ code, message: code, field: null, advice: null }) as IpcError;
const receipt = { settlementId: 7, delivery: { status: "pending", lastError: "终端忙" } } as NotifyReceipt;
const his = (visitId: number, identified: boolean, settled: boolean): HisActivity =>
  ({
    visitId,
    outBizNo: `H-${visitId}`,
    identity: identified ? { userName: "欧**" } : null,
    settlements: settled ? [{ id: 9, delivery: "held" } as SettlementRow] : [],
  }) as HisActivity;
const run = (...actions: Action[]): CheckoutState => actions.reduce(checkout, initial);

describe("the cashier's own visit", () => {
  it("goes scan → identity → form → sending → done", () => {
    const s = run(
      { type: "waiting", kind: "qrcode" },
      { type: "identified", visit: visit(1), form },
      { type: "sending" },
      { type: "sent", receipt },
    );
    expect([s.phase, s.kind, s.visit?.visitId, s.receipt?.settlementId]).toEqual(["done", "qrcode", 1, 7]);
  });

  it("says why a scan failed and waits, idle", () => {
    const s = run({ type: "waiting", kind: "face" }, { type: "failed", error: error("terminal") });
    expect([s.phase, s.error?.code]).toEqual(["idle", "terminal"]);
  });

  it("keeps the form when the terminal refuses it, and drops the refusal once the cashier edits", () => {
    let s = run({ type: "identified", visit: visit(1), form }, { type: "sending" }, { type: "refused", error: error("validation") });
    expect([s.phase, s.error?.code]).toEqual(["identified", "validation"]);
    s = checkout(s, { type: "edited", form: { ...form, totalFee: "1.00" } });
    expect([s.error, s.form?.totalFee]).toEqual([null, "1.00"]);
  });

  it("sends only from the form", () => expect(run({ type: "sending" }).phase).toBe("idle"));

  it("follows the receipt's delivery", () => {
    const s = run({ type: "sent", receipt }, { type: "delivery", report: { status: "delivered", lastError: null } });
    expect([s.receipt?.delivery.status, s.receipt?.delivery.lastError, s.receipt?.delivery.attempts]).toEqual([
      "delivered",
      null,
      undefined,
    ]);
  });

  it("starts clean on 新患者, keeping only what to scan", () => {
    const s = run({ type: "waiting", kind: "qrcode" }, { type: "identified", visit: visit(1), form }, { type: "reset" });
    expect(s).toEqual({ ...initial, kind: "qrcode" });
  });
});

describe("following the HIS", () => {
  it("shows a HIS scan, then its identity with a form ready", () => {
    let s = run({ type: "his", activity: his(5, false, false), form });
    expect([s.phase, s.visit, s.form]).toEqual(["idle", null, null]);
    s = checkout(s, { type: "his", activity: his(5, true, false), form });
    expect([s.phase, s.visit?.visitId, s.form]).toEqual(["identified", 5, form]);
  });

  it("drops the form once the HIS settled the visit (it would settle it twice)", () => {
    const s = run({ type: "his", activity: his(5, true, false), form }, { type: "his", activity: his(5, true, true), form });
    expect([s.phase, s.form]).toEqual(["idle", null]);
  });

  it("lets a newer HIS visit take over what was shown", () => {
    const s = run({ type: "sent", receipt }, { type: "error", error: error("x") }, { type: "his", activity: his(6, true, true), form });
    expect([s.phase, s.receipt, s.error, s.visit?.visitId, s.his?.visitId]).toEqual(["idle", null, null, 6, 6]);
  });

  it("marks a held settlement sent after F4", () => {
    const s = run({ type: "his", activity: his(5, true, true), form }, { type: "hisDelivery", settlementId: 9, status: "delivered" });
    expect(s.his?.settlements[0].delivery).toBe("delivered");
  });
});
