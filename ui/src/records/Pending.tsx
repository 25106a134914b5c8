import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { Call } from "../bindings/Call";
import type { Role } from "../bindings/Role";
import { ErrorBox } from "../ErrorBox";
import { transLabel } from "../labels";
import "./Pending.css";

/** 待确认: calls whose outcome is unknown; an administrator decides, with a reason. */
export function Pending({ role }: { role: Role }) {
  const [calls, setCalls] = useState<Call[] | null>(null);
  const [reasons, setReasons] = useState<Record<number, string>>({});
  const [error, setError] = useState<IpcError | null>(null);
  const load = async () => {
    try {
      setCalls(await backend.pending());
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  useEffect(() => void load(), []);
  const resolve = async (id: number, outcome: "confirmed_ok" | "confirmed_failed") => {
    try {
      setError(null);
      await backend.resolve(id, outcome, reasons[id] ?? "");
      await load();
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  return (
    <div class="pending">
      <p class="muted">
        以下调用未收到终端的明确结果（超时、程序中断或回复无法解析）。请查看终端屏幕或询问患者后登记实际结果
        {role === "admin" ? "。" : "；登记须由管理员操作。"}
      </p>
      {error && <ErrorBox error={error} />}
      {calls?.length === 0 && <div class="muted" id="no-pending">没有待确认的记录</div>}
      {calls?.map((c) => (
        <section class="card" id={`pending-${c.id}`}>
          <div><strong>{transLabel(c.transType)}</strong> · {c.startedAt} · 流水号 {c.outBizNo}</div>
          <div class="warn">{c.errorMessage}</div>
          {role === "admin" ? (
            <div class="resolve">
              <input name="reason" placeholder="确认原因（必填），如：终端屏幕显示已完成" value={reasons[c.id] ?? ""} onInput={(e) => setReasons({ ...reasons, [c.id]: (e.target as HTMLInputElement).value })} />
              <button type="button" class="primary" onClick={() => void resolve(c.id, "confirmed_ok")}>终端已处理</button>
              <button type="button" class="secondary" onClick={() => void resolve(c.id, "confirmed_failed")}>终端未处理</button>
            </div>
          ) : (
            <div class="needs-admin">需管理员处理</div>
          )}
        </section>
      ))}
    </div>
  );
}
