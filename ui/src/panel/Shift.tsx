// The signed-in operator in the header: who, 修改 PIN, 交班, 锁定.

import { useEffect, useRef, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { OperatorView } from "../bindings/OperatorView";
import type { ShiftSummary } from "../bindings/ShiftSummary";
import { ErrorBox } from "../ErrorBox";
import { useKeys } from "../keys";
import { roleLabel } from "../labels";
import { PinField } from "../PinField";
import { SummaryTable } from "../records/SummaryTable";
import { pinProblem } from "../seat";
import { flag, local } from "./Gate";
import "../modal.css";
import "./Shift.css";

type BarProps = {
  operator: OperatorView;
  onLock: () => void;
  onHandOver: () => void;
  onChangePin: () => void;
};

/** Under the title: whose shift this is, and the way out of it. */
export function OperatorBar({ operator, onLock, onHandOver, onChangePin }: BarProps) {
  return (
    <div class="op-bar" id="operator-bar">
      <span class={`op-badge ${operator.role}`} id="operator-badge" title={`工号 ${operator.id}`}>
        {operator.name} · {roleLabel(operator.role)}
      </span>
      <button type="button" class="op-link" id="change-pin" onClick={onChangePin}>修改 PIN</button>
      <button type="button" class="op-button" id="hand-over" onClick={onHandOver}>交班</button>
      <button type="button" class="op-button" id="lock-button" onClick={onLock}>
        锁定 <kbd>F12</kbd>
      </button>
    </div>
  );
}

/** One shift's totals, in 日结's look. */
function ShiftTotals({ s, id }: { s: ShiftSummary; id: string }) {
  const settled = s.byState.reduce((n, t) => n + t.count, 0);
  return (
    <section class="shift-summary" id={id}>
      <div class="shift-head">
        <strong>{s.operatorName}（{s.operatorId}）</strong>
        <div class="muted">
          {s.startedAt.slice(0, 16)} 起{s.endedAt ? ` 至 ${s.endedAt.slice(0, 16)}` : " 至今"} · 共 {settled} 笔
        </div>
      </div>
      {settled === 0 ? (
        <div class="muted shift-empty">本班次没有结算记录</div>
      ) : (
        <div class="table-scroll">
          <SummaryTable s={s} compact />
        </div>
      )}
      <div class="shift-net">
        收款 {s.net.count} 笔 · 退费 {s.net.refundCount} 笔 · 净额 <strong>{s.net.totalFee}</strong> 元 · 医保 {s.netInsured.totalFee} · 自费 {s.netSelfPay.totalFee}
      </div>
    </section>
  );
}

/**
 * 交班: the shift so far, confirmed; then the shift's final summary, which
 * stays on screen (the operator is already signed out) until closed.
 */
export function HandOverDialog({ onCancel, onDone }: { onCancel: () => void; onDone: () => void }) {
  const [so, setSo] = useState<ShiftSummary | null>(null);
  const [done, setDone] = useState<ShiftSummary | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    backend.shiftSummary().then(setSo, (e) => setError(asIpcError(e)));
  }, []);
  const confirm = async () => {
    if (busy || !so) return;
    setBusy(true);
    setError(null);
    try {
      setDone(await backend.handOver());
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  };
  useKeys({ F4: so && !done && !busy ? confirm : undefined, Escape: busy ? undefined : done ? onDone : onCancel });
  return (
    <div class="modal-backdrop">
      <section class="modal" id="hand-over-dialog" role="dialog" aria-modal="true" aria-labelledby="hand-over-title">
        <h3 id="hand-over-title">{done ? "已交班" : "交班"}</h3>
        {!so && !error && <div class="muted">正在汇总本班次…</div>}
        {error && <ErrorBox id="hand-over-error" error={error} />}
        {done ? (
          <>
            <ShiftTotals s={done} id="shift-summary-done" />
            <div class="muted">已退出登录。请核对现金与汇总后，由下一位收款员登录。</div>
            <div class="actions">
              <button type="button" class="primary" id="shift-summary-close" onClick={onDone}>
                完成 <kbd>Esc</kbd>
              </button>
            </div>
          </>
        ) : (
          <>
            {so && <ShiftTotals s={so} id="shift-summary" />}
            {so && <div class="warn-strong">交班后将退出登录，本班次结束。</div>}
            <div class="actions">
              <button type="button" class="primary" id="hand-over-confirm" disabled={!so || busy} onClick={() => void confirm()}>
                {busy ? "正在交班…" : "确认交班"} <kbd>F4</kbd>
              </button>
              <button type="button" class="secondary" id="hand-over-cancel" disabled={busy} onClick={onCancel}>
                取消 <kbd>Esc</kbd>
              </button>
            </div>
          </>
        )}
      </section>
    </div>
  );
}

/** 修改 PIN: the operator's own, with the old one (wrong ones count towards the lockout). */
export function ChangePinDialog({ onClose }: { onClose: () => void }) {
  const [oldPin, setOldPin] = useState("");
  const [newPin, setNewPin] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const problem =
      flag("oldPin", pinProblem(oldPin)) ||
      flag("newPin", pinProblem(newPin)) ||
      (newPin !== again && local("newPinAgain", "两次输入的新 PIN 不一致")) ||
      (newPin === oldPin && local("newPin", "新 PIN 与原 PIN 相同"));
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      await backend.changePin(oldPin, newPin);
      setDone(true);
    } catch (err) {
      const x = asIpcError(err);
      // The backend checks the old PIN under the name `pin`.
      setError(x.field === "pin" ? { ...x, field: "oldPin" } : x);
      if (x.code === "wrong_pin") setOldPin("");
    } finally {
      setBusy(false);
    }
  };
  useKeys({ Escape: busy ? undefined : onClose });
  const bad = (f: string) => error?.field === f;
  return (
    <div class="modal-backdrop">
      <form class="modal narrow" id="change-pin-dialog" role="dialog" aria-modal="true" aria-labelledby="change-pin-title" onSubmit={submit}>
        <h3 id="change-pin-title">修改 PIN</h3>
        {done ? (
          <div class="note" id="change-pin-done">PIN 已修改，下次登录和解锁请用新 PIN。</div>
        ) : (
          <div class="pin-form">
            <PinField name="oldPin" label="原 PIN" value={oldPin} onInput={setOldPin} bad={bad("oldPin")} inputRef={first} autoComplete="current-password" />
            <PinField name="newPin" label="新 PIN（4–12 位数字）" value={newPin} onInput={setNewPin} bad={bad("newPin")} autoComplete="new-password" />
            <PinField name="newPinAgain" label="再输一次新 PIN" value={again} onInput={setAgain} bad={bad("newPinAgain")} autoComplete="new-password" />
          </div>
        )}
        {error && <ErrorBox id="change-pin-error" error={error} />}
        <div class="actions">
          {!done && (
            <button type="submit" class="primary" id="change-pin-submit" disabled={busy}>
              {busy ? "正在修改…" : "确认修改"}
            </button>
          )}
          <button type="button" class="secondary" id="change-pin-cancel" disabled={busy} onClick={onClose}>
            {done ? "关闭" : "取消"} <kbd>Esc</kbd>
          </button>
        </div>
      </form>
    </div>
  );
}
