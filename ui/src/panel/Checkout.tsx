import { useEffect, useLayoutEffect, useReducer, useRef, useState } from "preact/hooks";
import { asIpcError, backend } from "../backend";
import type { AppInfo } from "../bindings/AppInfo";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { HisActivity } from "../bindings/HisActivity";
import { useKeys } from "../keys";
import { painted, timed } from "../marks";
import { ErrorBox } from "../ErrorBox";
import { usePoll } from "../poll";
import { Receipt } from "../Receipt";
import { focusOf, HisProblem, HisSettlement, HisStrip, HisWaiting, inProgress } from "./HisVisit";
import { IdentityCard } from "./IdentityCard";
import { checkout, initial, type ScanKind } from "./checkout";
import { newSettlement, SettleForm, toDraft } from "./SettleForm";
import "./Checkout.css";

/** How often the panel asks what the HIS is doing. */
const FOLLOW_MS = 1000;
/** How often an undelivered receipt asks whether the retries got it through. */
const RECEIPT_MS = 2000;

/** Changes the status bar should hear of at once (held / delivered counts). */
const deliveries = (a: HisActivity | null) => (a ? a.settlements.map((s) => `${s.id}:${s.delivery}`).join() : "");

/**
 * 收款: 刷脸 (F2) or 扫码 (F3, the 医保码: infants, a face that cannot be
 * used) → identity → settlement → 通知终端 (F4); 新患者 (Esc).
 * Between the cashier's own scans the panel follows the HIS: a scan the HIS
 * starts through the bridge shows here marked HIS 发起, then the identity
 * (the form ready to settle by hand), then what the HIS pushed; F4
 * releases a settlement held for the cashier. `paused` (locked, or a dialog
 * over it): kept as it is, but deaf to keys and not following the HIS.
 */
export function Checkout({ info, paused = false }: { info: AppInfo; paused?: boolean }) {
  const [state, dispatch] = useReducer(checkout, initial);
  const { phase, kind, visit, form, receipt, error, his } = state;
  const [elapsed, setElapsed] = useState(0);
  const [releasing, setReleasing] = useState(false);
  const [resending, setResending] = useState(false);
  /** HIS visits up to this id are not shown (older than the panel, or done with); null before the first answer. */
  const shownUpTo = useRef<number | null>(null);
  /** The cashier's own scan or submit is under way: set at once, before the next render. */
  const busy = useRef(false);
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (phase !== "waiting") return;
    const started = Date.now();
    const t = setInterval(() => setElapsed(Math.floor((Date.now() - started) / 1000)), 250);
    return () => clearInterval(t);
  }, [phase]);
  useEffect(() => {
    if (phase === "identified") first.current?.focus();
  }, [phase]);
  useLayoutEffect(() => {
    if (phase === "waiting") painted("F2");
  }, [phase]);

  const changed = () => dispatchEvent(new Event("facepay:changed"));
  const reset = () => {
    // Done with the HIS's visit: it never comes back.
    if (his) shownUpTo.current = Math.max(shownUpTo.current ?? 0, his.visitId);
    dispatch({ type: "reset" });
  };
  /** Wait for an identity (a scan, or the identity of a scan that succeeded), then the form. */
  const identify = async (ask: () => Promise<FaceAuthOutcome>, what?: ScanKind) => {
    setElapsed(0);
    dispatch({ type: "waiting", kind: what });
    busy.current = true;
    try {
      dispatch({ type: "identified", visit: await ask(), form: newSettlement(info) });
    } catch (e) {
      dispatch({ type: "failed", error: asIpcError(e) });
    } finally {
      busy.current = false;
      changed();
    }
  };
  const scan = async (what: ScanKind = "face") => {
    if (phase === "waiting" || phase === "sending" || busy.current) return;
    reset();
    await identify(() => (what === "qrcode" ? backend.qrcode() : backend.faceAuth()), what);
  };
  /** 重新获取身份 (F5): the scan succeeded, its identity check did not; no second scan. */
  const refetch = async () => {
    const outBizNo = error?.fallback === "fetch_identity" ? error.outBizNo : undefined;
    if (!outBizNo || phase !== "idle" || busy.current) return;
    await identify(() => backend.fetchIdentity(outBizNo));
  };
  const scanFace = () => void scan("face");
  const scanCode = () => void scan("qrcode");
  const cancel = () => void backend.cancelFaceAuth();
  const send = async () => {
    if (phase !== "identified" || !visit || !form) return;
    dispatch({ type: "sending" });
    busy.current = true;
    try {
      dispatch({ type: "sent", receipt: await backend.notify(toDraft(form, visit.outBizNo)) });
    } catch (e) {
      dispatch({ type: "refused", error: asIpcError(e) });
    } finally {
      busy.current = false;
      changed();
    }
  };

  /** One answer of his_activity: adopt a newer HIS visit, or follow the one shown. */
  const follow = (a: HisActivity | null) => {
    if (busy.current) return;
    if (shownUpTo.current === null) {
      // What the HIS did before the panel started stays in 历史, unless its scan is still going on.
      shownUpTo.current = a === null ? 0 : inProgress(a) ? a.visitId - 1 : a.visitId;
    }
    if (a === null || a.visitId <= shownUpTo.current) return;
    const fresh = his?.visitId !== a.visitId;
    // Unchanged: no render every second under the cashier's typing.
    if (!fresh && JSON.stringify(a) === JSON.stringify(his)) return;
    dispatch({ type: "his", activity: a, form: newSettlement(info) });
    if (deliveries(a) !== deliveries(fresh ? null : his)) changed();
  };
  // Follow the HIS whenever the panel is not busy with the cashier's own scan, form or submit.
  const following = phase === "idle" || phase === "done" || (phase === "identified" && his !== null);
  usePoll(following && !releasing && !paused, FOLLOW_MS, () => backend.hisActivity(), follow);

  /** The HIS's settlements not already shown as the cashier's own receipt. */
  const hisSettlements = his ? his.settlements.filter((s) => s.id !== receipt?.settlementId) : [];
  const focus = phase === "waiting" ? null : focusOf(hisSettlements);
  const held = focus?.delivery === "held";
  const release = async () => {
    if (focus?.delivery !== "held" || releasing) return;
    setReleasing(true);
    dispatch({ type: "error", error: null });
    try {
      const r = await backend.releaseSettlement(focus.id);
      dispatch({ type: "hisDelivery", settlementId: r.settlementId, status: r.status });
    } catch (e) {
      dispatch({ type: "error", error: asIpcError(e) });
    } finally {
      setReleasing(false);
      changed();
    }
  };

  /** The cashier's own settlement, recorded but not on the terminal yet: followed until it is. */
  const undelivered = phase === "done" && receipt !== null && (receipt.delivery.status === "pending" || receipt.delivery.status === "gave_up");
  usePoll(
    undelivered && !resending && !paused,
    RECEIPT_MS,
    () => backend.history({ outBizNo: receipt?.outBizNo ?? "", limit: 50 }),
    (page) => {
      const row = page.rows.find((r) => r.id === receipt?.settlementId);
      if (!row || !receipt || row.delivery === receipt.delivery.status) return;
      dispatch({ type: "delivery", report: { status: row.delivery, lastError: row.delivery === "delivered" ? null : receipt.delivery.lastError } });
      changed();
    },
  );
  /** F4 on an undelivered receipt: 重发 now, and say how it went. */
  const resend = async () => {
    if (!receipt || resending) return;
    setResending(true);
    dispatch({ type: "error", error: null });
    try {
      dispatch({ type: "delivery", report: await backend.resend(receipt.settlementId) });
    } catch (e) {
      dispatch({ type: "error", error: asIpcError(e) });
    } finally {
      setResending(false);
      changed();
    }
  };

  const hisShown = his !== null && phase !== "waiting";
  /** The HIS's scan is under way: the HIS owns it, so no 刷脸, 取消 or 新患者 here. */
  const hisScanning = his !== null && inProgress(his) && phase === "idle";
  const hisFailed = his !== null && (his.state === "failed" || his.state === "pending") && phase === "idle";
  useKeys(
    paused
      ? {}
      : {
          F2: (phase === "idle" && !hisScanning && !releasing) || phase === "done" ? timed("F2", scanFace) : undefined,
          F3: (phase === "idle" && !hisScanning && !releasing) || phase === "done" ? scanCode : undefined,
          // A settlement held for the cashier comes first: it is what the patient waits for.
          F4: held ? release : phase === "identified" ? send : undelivered ? resend : undefined,
          F5: error?.fallback === "fetch_identity" && phase === "idle" ? () => void refetch() : undefined,
          Escape: phase === "waiting" ? cancel : phase === "sending" || hisScanning || releasing ? undefined : reset,
        },
  );

  return (
    <div class="checkout">
      {phase === "idle" && !his && (
        <div class="scan-row">
          <button type="button" class="primary huge" id="scan" onClick={scanFace}>
            刷脸 <kbd>F2</kbd>
          </button>
          <button type="button" class="secondary huge" id="scan-qrcode" onClick={scanCode} title="婴幼儿、无法刷脸时：请患者或家长在终端上出示医保码">
            扫码 <kbd>F3</kbd>
          </button>
        </div>
      )}
      {phase === "waiting" && (
        <div class="waiting" id="waiting">
          <div class="spinner" />
          <div class="big">{kind === "qrcode" ? "请患者（或家长）在终端上出示医保码…" : "请患者在终端上刷脸…"}</div>
          <div class="elapsed">已等待 {elapsed} 秒</div>
          <button type="button" class="secondary" id="cancel" onClick={cancel}>
            取消 <kbd>Esc</kbd>
          </button>
        </div>
      )}
      {hisShown && <HisStrip activity={his} />}
      {hisScanning && <HisWaiting activity={his} />}
      {hisFailed && <HisProblem activity={his} />}
      {error && <ErrorBox error={error} />}
      {error?.fallback === "qrcode" && phase === "idle" && (
        <button type="button" class="primary big" id="use-qrcode" onClick={scanCode}>
          改用医保码 <kbd>F3</kbd>
        </button>
      )}
      {error?.fallback === "fetch_identity" && phase === "idle" && (
        <button type="button" class="primary big" id="fetch-identity" onClick={() => void refetch()}>
          重新获取身份 <kbd>F5</kbd>
        </button>
      )}
      {visit && phase !== "waiting" && <IdentityCard key={visit.visitId} visit={visit} his={hisShown} />}
      {hisShown && hisSettlements.length > 0 && <HisSettlement settlements={hisSettlements} releasing={releasing} onRelease={() => void release()} />}
      {visit && form && (phase === "identified" || phase === "sending") && (
        <>
          <SettleForm
            value={form}
            onChange={(f) => dispatch({ type: "edited", form: f })}
            badField={error?.field ?? null}
            firstRef={first}
          />
          {/* Side by side: the form fills the panel, and both are one key away anyway. */}
          <div class="send-row">
            <button type="button" class="primary" id="notify" disabled={phase === "sending"} onClick={send}>
              {phase === "sending" ? "正在通知终端…" : "通知终端"} <kbd>F4</kbd>
            </button>
            <button type="button" class="secondary" id="next" disabled={phase === "sending"} onClick={reset}>
              新患者 <kbd>Esc</kbd>
            </button>
          </div>
        </>
      )}
      {phase === "done" && receipt && form && <Receipt id="receipt" receipt={receipt} selfPay={form.selfPay} />}
      {undelivered && (
        <button type="button" class="primary" id="resend" disabled={resending} onClick={() => void resend()}>
          {resending ? "正在重发…" : "立即重发"} <kbd>F4</kbd>
        </button>
      )}
      {(phase === "done" || (phase === "idle" && his !== null && !hisScanning)) && (
        <button type="button" class="secondary" id="next" disabled={releasing} onClick={reset}>
          新患者 <kbd>Esc</kbd>
        </button>
      )}
    </div>
  );
}
