import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError, type Purged } from "../backend";
import type { OperatorInfo } from "../bindings/OperatorInfo";
import type { OperatorUpdate } from "../bindings/OperatorUpdate";
import type { Role } from "../bindings/Role";
import { ErrorBox } from "../ErrorBox";
import { roleLabel, ROLES } from "../labels";
import { PinField } from "../PinField";
import { flag, local } from "../panel/Gate";
import { pinProblem, staffIdProblem } from "../seat";
import { parseWire } from "../time";
import { ScrollingTable } from "./Table";
import "./filters.css";
import "./Operators.css";

/** 启用, 停用, or 锁定至 hh:mm while wrong PINs keep the operator out. */
function stateOf(o: OperatorInfo): string {
  if (!o.active) return "停用";
  const until = o.lockedUntil ? parseWire(o.lockedUntil) : null;
  return until && until.getTime() > Date.now() ? `锁定至 ${(o.lockedUntil ?? "").slice(11, 16)}` : "启用";
}

type Kind = "pin" | "active" | "role";

/** A role the select offers (its options are ROLES'); anything else reads as 收款员, the least. */
const roleOf = (v: string): Role => ROLES.find(([r]) => r === v)?.[0] ?? "cashier";
type Pending = { id: string; kind: Kind };

type ActionProps = {
  o: OperatorInfo;
  kind: Kind;
  self: boolean;
  onDone: (o: OperatorInfo) => void;
  onCancel: () => void;
};

/** The confirmation under a row; 重置 PIN asks for the new PIN here. */
function RowAction({ o, kind, self, onDone, onCancel }: ActionProps) {
  const [pin, setPin] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const others = ROLES.filter(([r]) => r !== o.role);
  const [become, setBecome] = useState<Role>(others[0][0]);
  const question =
    kind === "pin"
      ? `为 ${o.name}（${o.id}）设置新 PIN（同时解除锁定）：`
      : kind === "active"
        ? `${o.active ? "停用" : "启用"} ${o.name}（${o.id}）？${o.active ? "停用后不能登录。" : ""}`
        : `把 ${o.name}（${o.id}）改为：`;
  // Taking one's own powers away signs oneself out (the backend frees the seat).
  const leaves = self && ((kind === "active" && o.active) || (kind === "role" && become !== "admin"));
  const confirm = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    let update: OperatorUpdate;
    if (kind === "pin") {
      const problem = pinProblem(pin);
      if (problem) return setError(local("resetPin", problem));
      update = { pin };
    } else {
      update = kind === "active" ? { active: !o.active } : { role: become };
    }
    setBusy(true);
    setError(null);
    try {
      onDone(await backend.updateOperator(o.id, update));
    } catch (err) {
      const x = asIpcError(err);
      setError(x.field === "pin" ? { ...x, field: "resetPin" } : x);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="confirm row-confirm" id="operator-action" role="alertdialog" onSubmit={confirm}>
      <div class="warn-strong">{question}</div>
      {leaves && <div class="warn">这是您自己的帐号：确认后您将退出登录。</div>}
      {kind === "role" && (
        <select name="becomeRole" value={become} onChange={(e) => setBecome(roleOf(e.currentTarget.value))}>
          {others.map(([r, l]) => <option value={r}>{l}</option>)}
        </select>
      )}
      {kind === "pin" && (
        <div class="inline-pin">
          <PinField name="resetPin" label="新 PIN（4–12 位数字）" value={pin} onInput={setPin} bad={error?.field === "resetPin"} autoComplete="new-password" />
        </div>
      )}
      {error && <ErrorBox id="operator-action-error" error={error} />}
      <div class="actions">
        <button type="submit" class="primary" id="operator-action-confirm" disabled={busy}>
          {kind === "pin" ? "重置 PIN" : "确定"}
        </button>
        <button type="button" class="secondary" id="operator-action-cancel" disabled={busy} onClick={onCancel}>取消</button>
      </div>
    </form>
  );
}

/** 新增操作员. */
function AddOperator({ onAdded }: { onAdded: (o: OperatorInfo) => void }) {
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("cashier");
  const [pin, setPin] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const problem =
      flag("newStaffId", staffIdProblem(id)) ||
      (!name.trim() && local("newName", "请输入姓名")) ||
      flag("newPin", pinProblem(pin));
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      onAdded(await backend.addOperator({ id: id.trim(), name: name.trim(), role, pin }));
      setId("");
      setName("");
      setPin("");
      setRole("cashier");
    } catch (err) {
      const x = asIpcError(err);
      // The backend names the request's fields; the form's carry a prefix.
      const named: Record<string, string> = { id: "newStaffId", staffId: "newStaffId", name: "newName", role: "newRole", pin: "newPin" };
      setError({ ...x, field: x.field ? (named[x.field] ?? x.field) : null });
    } finally {
      setBusy(false);
    }
  };
  const bad = (f: string) => (error?.field === f ? "bad" : "");
  return (
    <form class="card add-operator" id="add-operator" onSubmit={submit}>
      <h3>新增操作员</h3>
      <div class="filters">
        <label class={bad("newStaffId")}>
          <span>工号</span>
          <input name="newStaffId" autoComplete="off" value={id} onInput={(e) => setId(e.currentTarget.value)} />
        </label>
        <label class={bad("newName")}>
          <span>姓名</span>
          <input name="newName" autoComplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class={bad("newRole")}>
          <span>角色</span>
          <select name="newRole" value={role} onChange={(e) => setRole(roleOf(e.currentTarget.value))}>
            {ROLES.map(([r, l]) => <option value={r}>{l}</option>)}
          </select>
        </label>
        <PinField name="newPin" label="初始 PIN" value={pin} onInput={setPin} bad={error?.field === "newPin"} autoComplete="new-password" />
        <button type="submit" class="primary" id="add-operator-submit" disabled={busy}>{busy ? "正在添加…" : "添加"}</button>
      </div>
      {error && <ErrorBox id="add-operator-error" error={error} />}
    </form>
  );
}

/** 清除过期身份: names and 证件号 past the retention replaced by masked ones, now. */
function Purge() {
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<Purged | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await backend.purge(null));
      setConfirming(false);
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card purge" id="purge">
      <h3>清除过期身份</h3>
      <p class="muted">把超过保存期限的患者姓名和证件号替换为脱敏形式（系统每小时也会自动清除）。结算金额和流水号不受影响，清除不可撤销，并记入审计。</p>
      <button type="button" class="secondary" id="purge-run" disabled={confirming || busy} onClick={() => { setResult(null); setConfirming(true); }}>
        立即清除
      </button>
      {confirming && (
        <div class="confirm" role="alertdialog">
          <div class="warn-strong">确定清除超过保存期限的姓名和证件号？此操作不可撤销。</div>
          <div class="actions">
            <button type="button" class="primary" id="purge-confirm" disabled={busy} onClick={() => void run()}>{busy ? "正在清除…" : "确定清除"}</button>
            <button type="button" class="secondary" id="purge-cancel" disabled={busy} onClick={() => setConfirming(false)}>取消</button>
          </div>
        </div>
      )}
      {error && <ErrorBox id="purge-error" error={error} />}
      {result && (
        <div class="note" id="purge-result">
          已清除 {result.visits} 次就诊、{result.settlements} 笔结算的身份信息
        </div>
      )}
    </section>
  );
}

/** 操作员 (管理员): who may sign in at this counter, and as what. `self`: the signed-in administrator. */
export function Operators({ self }: { self: string }) {
  const [list, setList] = useState<OperatorInfo[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const load = async () => {
    try {
      setList(await backend.listOperators());
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  useEffect(() => void load(), []);
  const ask = (id: string, kind: Kind) => () => {
    setNote(null);
    setPending({ id, kind });
  };
  const done = (o: OperatorInfo, kind: Kind) => {
    setPending(null);
    setNote(
      kind === "pin" ? `已重置 ${o.name} 的 PIN` : kind === "active" ? `${o.name} 已${o.active ? "启用" : "停用"}` : `${o.name} 现为${roleLabel(o.role)}`,
    );
    void load();
  };
  return (
    <div class="operators" id="operators">
      {error && <ErrorBox id="operators-error" error={error} />}
      {note && <div class="note" id="operators-note">{note}</div>}
      <ScrollingTable
        id="operators-table"
        head={<tr><th>工号</th><th>姓名</th><th>角色</th><th>状态</th><th>操作</th></tr>}
        columns={5}
        empty={list?.length === 0 ? "还没有操作员" : null}
      >
        {list?.map((o) => {
          const state = stateOf(o);
          const open = pending?.id === o.id ? pending.kind : null;
          return (
            <>
              <tr class={`operator-row${o.active ? "" : " inactive"}${state.startsWith("锁定") ? " flagged" : ""}`} id={`operator-${o.id}`}>
                <td>{o.id}{o.id === self && <span class="badge insured self-badge">本人</span>}</td>
                <td>{o.name}</td>
                <td>{roleLabel(o.role)}</td>
                <td class="operator-state">{state}</td>
                <td class="row-actions">
                  <button type="button" class="link" name="reset-pin" onClick={ask(o.id, "pin")}>重置 PIN</button>
                  <button type="button" class="link" name="toggle-active" onClick={ask(o.id, "active")}>{o.active ? "停用" : "启用"}</button>
                  <button type="button" class="link" name="change-role" onClick={ask(o.id, "role")}>改角色</button>
                </td>
              </tr>
              {open && (
                <tr class="operator-action-row">
                  <td colSpan={5}>
                    <RowAction key={`${o.id}-${open}`} o={o} kind={open} self={o.id === self} onDone={(x) => done(x, open)} onCancel={() => setPending(null)} />
                  </td>
                </tr>
              )}
            </>
          );
        })}
      </ScrollingTable>
      <AddOperator
        onAdded={(o) => {
          setNote(`已添加${roleLabel(o.role)} ${o.name}（${o.id}）`);
          void load();
        }}
      />
      <Purge />
    </div>
  );
}
