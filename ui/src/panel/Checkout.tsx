import { useEffect, useRef, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { AppInfo } from "../bindings/AppInfo";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import { useKeys } from "../keys";
import { ErrorBox } from "../ErrorBox";
import { Receipt } from "../Receipt";
import { IdentityCard } from "./IdentityCard";
import { newSettlement, SettleForm, toDraft, type Settlement } from "./SettleForm";

type Phase = "idle" | "waiting" | "identified" | "sending" | "done";

/** 收款: 刷脸 (F2) → identity → settlement → 通知终端 (F4); 新患者 (Esc). */
export function Checkout({ info }: { info: AppInfo }) {
  const [phase, setPhase] = useState<Phase>("idle");
  const [visit, setVisit] = useState<FaceAuthOutcome | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [receipt, setReceipt] = useState<NotifyReceipt | null>(null);
  const [form, setForm] = useState<Settlement | null>(null);
  const [elapsed, setElapsed] = useState(0);
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

  const changed = () => dispatchEvent(new Event("facepay:changed"));
  const reset = () => {
    setPhase("idle");
    setVisit(null);
    setError(null);
    setReceipt(null);
    setForm(null);
  };
  const scan = async () => {
    if (phase === "waiting" || phase === "sending") return;
    reset();
    setElapsed(0);
    setPhase("waiting");
    try {
      setVisit(await backend.faceAuth());
      setForm(newSettlement(info));
      setPhase("identified");
    } catch (e) {
      setError(asIpcError(e));
      setPhase("idle");
    } finally {
      changed();
    }
  };
  const cancel = () => void backend.cancelFaceAuth();
  const send = async () => {
    if (phase !== "identified" || !visit || !form) return;
    setPhase("sending");
    setError(null);
    try {
      setReceipt(await backend.notify(toDraft(form, visit.outBizNo)));
      setPhase("done");
    } catch (e) {
      setError(asIpcError(e));
      setPhase("identified");
    } finally {
      changed();
    }
  };
  useKeys({
    F2: phase === "idle" || phase === "done" ? scan : undefined,
    F4: phase === "identified" ? send : undefined,
    Escape: phase === "waiting" ? cancel : phase === "sending" ? undefined : reset,
  });

  return (
    <div class="flow">
      {phase === "idle" && (
        <button class="primary huge" id="scan" onClick={scan}>
          刷脸 <kbd>F2</kbd>
        </button>
      )}
      {phase === "waiting" && (
        <div class="waiting" id="waiting">
          <div class="spinner" />
          <div class="big">请患者在终端上刷脸…</div>
          <div class="elapsed">已等待 {elapsed} 秒</div>
          <button class="secondary" id="cancel" onClick={cancel}>
            取消 <kbd>Esc</kbd>
          </button>
        </div>
      )}
      {error && <ErrorBox error={error} />}
      {visit && phase !== "waiting" && <IdentityCard visit={visit} />}
      {visit && form && (phase === "identified" || phase === "sending") && (
        <>
          <SettleForm value={form} onChange={setForm} badField={error?.field ?? null} firstRef={first} />
          {/* Side by side: the form fills the panel, and both are one key away anyway. */}
          <div class="send-row">
            <button class="primary" id="notify" disabled={phase === "sending"} onClick={send}>
              {phase === "sending" ? "正在通知终端…" : "通知终端"} <kbd>F4</kbd>
            </button>
            <button class="secondary" id="next" disabled={phase === "sending"} onClick={reset}>
              新患者 <kbd>Esc</kbd>
            </button>
          </div>
        </>
      )}
      {phase === "done" && receipt && form && <Receipt id="receipt" receipt={receipt} selfPay={form.selfPay} />}
      {phase === "done" && (
        <button class="secondary" id="next" onClick={reset}>
          新患者 <kbd>Esc</kbd>
        </button>
      )}
    </div>
  );
}
