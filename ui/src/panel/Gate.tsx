// In front of the panel: the first administrator, 登录, and the lock screen.
// The backend owns the seat; these screens only ask it, then let the gate
// look at the seat again.

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { OperatorView } from "../bindings/OperatorView";
import type { SeatView } from "../bindings/SeatView";
import { ErrorBox } from "../ErrorBox";
import { useKeys } from "../keys";
import { roleLabel } from "../labels";
import { PinField, TextField } from "../PinField";
import { pinProblem, staffIdProblem } from "../seat";
import "./Gate.css";

/** A mistake caught before asking the backend, shaped like its errors. */
export const local = (field: string, message: string): IpcError => ({ code: "validation", message, field, advice: null });

/** The field's problem as a local error, or null when it has none. */
export const flag = (field: string, problem: string | null): IpcError | null => (problem ? local(field, problem) : null);

/** Focus once, when the screen appears (autofocus only works on page load). */
function useFocus() {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

/** The form-level busy flag and error every gate screen has. */
function useSubmit(onError: (e: IpcError) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const run = async (what: () => Promise<unknown>, done: () => void) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await what();
      done();
    } catch (e) {
      const err = asIpcError(e);
      setError(err);
      onError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** The first start: no operator exists, so the first one made is the 管理员. */
export function FirstAdmin({ onDone }: { onDone: () => void }) {
  const [staffId, setStaffId] = useState("");
  const [name, setName] = useState("");
  const [pin, setPin] = useState("");
  const [pinAgain, setPinAgain] = useState("");
  const first = useFocus();
  const { busy, error, setError, run } = useSubmit(() => undefined);
  const submit = (e: Event) => {
    e.preventDefault();
    const problem =
      flag("staffId", staffIdProblem(staffId)) ||
      (!name.trim() && local("name", "请输入姓名")) ||
      flag("pin", pinProblem(pin)) ||
      (pin !== pinAgain && local("pinAgain", "两次输入的 PIN 不一致"));
    if (problem) return setError(problem);
    void run(() => backend.createFirstAdmin({ id: staffId.trim(), name: name.trim(), role: "admin", pin }), onDone);
  };
  // The backend names the request's `id`; the form calls it staffId.
  const bad = (f: string) => error?.field === f || (f === "staffId" && error?.field === "id");
  return (
    <form class="card gate" id="first-admin" onSubmit={submit}>
      <h2>首次使用：创建管理员</h2>
      <p class="gate-note">
        本收银台还没有操作员。这里创建的是<strong>管理员</strong>：可添加收款员、修改设置、查看审计。创建后即以管理员身份登录。
      </p>
      <TextField name="staffId" label="工号" value={staffId} onInput={setStaffId} bad={bad("staffId")} inputRef={first} />
      <TextField name="name" label="姓名" value={name} onInput={setName} bad={bad("name")} />
      <PinField name="pin" label="PIN（4–12 位数字）" value={pin} onInput={setPin} bad={bad("pin")} autoComplete="new-password" />
      <PinField name="pinAgain" label="再输一次 PIN" value={pinAgain} onInput={setPinAgain} bad={bad("pinAgain")} autoComplete="new-password" />
      {error && <ErrorBox id="first-admin-error" error={error} />}
      <button type="submit" class="primary gate-submit" id="first-admin-submit" disabled={busy}>
        {busy ? "正在创建…" : "创建管理员并登录"}
      </button>
    </form>
  );
}

/** 登录 with 工号 and PIN; Enter submits. `onBack`: return to the lock screen it came from. */
export function SignIn({ onDone, onBack }: { onDone: () => void; onBack?: () => void }) {
  const [staffId, setStaffId] = useState("");
  const [pin, setPin] = useState("");
  const first = useFocus();
  const pinRef = useRef<HTMLInputElement>(null);
  // A wrong PIN is typed again from scratch; the 工号 stays.
  const { busy, error, setError, run } = useSubmit((e) => {
    if (e.code === "wrong_pin" || e.code === "pin_locked" || e.field === "pin") {
      setPin("");
      pinRef.current?.focus();
    }
  });
  useKeys({ Escape: onBack });
  const submit = (e: Event) => {
    e.preventDefault();
    const problem = flag("staffId", staffIdProblem(staffId)) || flag("pin", pinProblem(pin));
    if (problem) {
      setError(problem);
      (problem.field === "pin" ? pinRef : first).current?.focus();
      return;
    }
    void run(() => backend.signIn(staffId.trim(), pin), onDone);
  };
  // Enter in 工号 moves on to the PIN while it is still empty.
  const next = (e: KeyboardEvent) => {
    if (pin) return;
    e.preventDefault();
    pinRef.current?.focus();
  };
  const bad = (f: string) => error?.field === f;
  return (
    <form class="card gate" id="sign-in" onSubmit={submit}>
      <h2>{onBack ? "换人登录" : "收款员登录"}</h2>
      {onBack && <p class="gate-note">换人登录后，已锁定的操作员的班次随即结束。</p>}
      <TextField name="staffId" label="工号" value={staffId} onInput={setStaffId} bad={bad("staffId")} inputRef={first} onEnter={next} />
      <PinField name="pin" label="PIN" value={pin} onInput={setPin} bad={bad("pin")} inputRef={pinRef} autoComplete="current-password" />
      {error && <ErrorBox id="sign-in-error" error={error} />}
      <button type="submit" class="primary gate-submit" id="sign-in-submit" disabled={busy}>
        {busy ? "正在登录…" : "登录"} <kbd>Enter</kbd>
      </button>
      {onBack && (
        <button type="button" class="secondary" id="sign-in-back" disabled={busy} onClick={onBack}>
          返回解锁 <kbd>Esc</kbd>
        </button>
      )}
    </form>
  );
}

/** Locked (锁定, or left idle): the same operator's PIN opens it; anyone else signs in instead. */
export function LockScreen({ operator, onDone }: { operator: OperatorView; onDone: () => void }) {
  const [switching, setSwitching] = useState(false);
  const [pin, setPin] = useState("");
  const pinRef = useRef<HTMLInputElement>(null);
  // Also on the way back from 换人登录.
  useEffect(() => {
    if (!switching) pinRef.current?.focus();
  }, [switching]);
  const { busy, error, setError, run } = useSubmit(() => {
    setPin("");
    pinRef.current?.focus();
  });
  if (switching) return <SignIn onDone={onDone} onBack={() => setSwitching(false)} />;
  const submit = (e: Event) => {
    e.preventDefault();
    const problem = pinProblem(pin);
    if (problem) return setError(local("pin", problem));
    void run(() => backend.unlock(pin), onDone);
  };
  return (
    <form class="card gate" id="lock-screen" onSubmit={submit}>
      <h2>收银台已锁定</h2>
      <div class="locked-who">
        <span class="locked-name" id="locked-operator">
          {operator.name}（{operator.id}）
        </span>
        <span class={`role-chip ${operator.role}`} id="locked-role">{roleLabel(operator.role)}</span>
      </div>
      <PinField name="pin" label="请输入 PIN 解锁" value={pin} onInput={setPin} bad={error?.field === "pin"} inputRef={pinRef} autoComplete="current-password" />
      {error && <ErrorBox id="unlock-error" error={error} />}
      <button type="submit" class="primary gate-submit" id="unlock-submit" disabled={busy}>
        {busy ? "正在解锁…" : "解锁"} <kbd>Enter</kbd>
      </button>
      <button type="button" class="secondary" id="switch-operator" disabled={busy} onClick={() => setSwitching(true)}>
        换人登录
      </button>
    </form>
  );
}

type GateProps = {
  seat: SeatView | null;
  /** Look at the seat again (after a sign-in, 解锁…). */
  onChange: () => void;
  /**
   * The panel itself, given whether it is paused: it stays mounted under
   * the lock screen so a half-served patient is still there after 解锁,
   * and starts afresh for another operator.
   */
  children: (paused: boolean) => ComponentChildren;
};

/** Who may use the panel: first administrator, 登录, lock screen, or the panel. */
export function Gate({ seat, onChange, children }: GateProps) {
  if (!seat) return <div class="muted gate-wait">正在读取登录状态…</div>;
  if (seat.needsFirstAdmin) return <FirstAdmin onDone={onChange} />;
  const op = seat.operator;
  if (!op) return <SignIn onDone={onChange} />;
  return (
    <>
      {seat.locked && <LockScreen key={op.id} operator={op} onDone={onChange} />}
      <div key={op.id} class="gated" hidden={seat.locked}>
        {children(seat.locked)}
      </div>
    </>
  );
}
