import { useEffect, useState } from "preact/hooks";
import { backend } from "../backend";
import type { Status } from "../bindings/Status";

/** Transport and mode, reachability, operator, what is still owed; the HIS 接口 when configured. */
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
      {/* Held settlements are counted apart (status.held), shown as 待发送. */}
      {s.undelivered > 0 && (
        <button class="owed" onClick={() => onOpen("history")}>未送达 {s.undelivered}</button>
      )}
      {s.held > 0 && (
        <button class="owed held" id="held-count" title="HIS 推送的结算，等收款员按 F4 通知终端" onClick={() => onOpen("history")}>
          待发送 {s.held}
        </button>
      )}
      {s.pending > 0 && (
        <button class="owed" onClick={() => onOpen("pending")}>待确认 {s.pending}</button>
      )}
      {s.bridge && (
        <span class="bridge-on" id="bridge-indicator" title={`HIS 接口：${s.bridge}`}>HIS 接口</span>
      )}
      {s.bridgeError && (
        <span class="clock-warning bridge-warning" id="bridge-warning" title={s.bridgeError}>HIS 接口未启动：{s.bridgeError}</span>
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
