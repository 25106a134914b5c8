import { useEffect, useState } from "preact/hooks";
import { backend } from "../backend";
import type { Status } from "../bindings/Status";

/** Transport and mode, reachability, operator, what is still owed. */
export function StatusBar({ onOpen }: { onOpen: (tab: string) => void }) {
  const [s, setS] = useState<Status | null>(null);
  useEffect(() => {
    const poll = () => void backend.status().then(setS).catch(() => undefined);
    poll();
    const t = setInterval(poll, 5000);
    addEventListener("facepay:changed", poll);
    return () => {
      clearInterval(t);
      removeEventListener("facepay:changed", poll);
    };
  }, []);
  if (!s) return <footer class="status">正在检查终端…</footer>;
  return (
    <footer class="status" id="status-bar">
      <span class={s.demo ? "mode demo-mode" : "mode"}>{s.demo ? "演示模式" : "终端"}</span>
      <span class={`dot ${s.reachable ? "ok" : "bad"}`} title={s.unreachableReason ?? s.transport} />
      <span class="reach">{s.reachable ? "终端在线" : "终端离线"}</span>
      <span class="who">收款员 {s.operatorName}</span>
      {s.undelivered > 0 && (
        <button class="owed" onClick={() => onOpen("history")}>未送达 {s.undelivered}</button>
      )}
      {s.pending > 0 && (
        <button class="owed" onClick={() => onOpen("pending")}>待确认 {s.pending}</button>
      )}
      {s.journalReadOnly && (
        <span class="clock-warning" id="journal-read-only" title={s.journalReadOnly}>记录库只读</span>
      )}
      {s.clockWarning && (
        <span class="clock-warning" id="clock-warning" title={s.clockWarning}>时间异常</span>
      )}
    </footer>
  );
}
