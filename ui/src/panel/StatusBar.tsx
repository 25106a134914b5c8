import type { RecordsTab } from "../bindings/RecordsTab";
import { useRef, useState } from "preact/hooks";
import { backend } from "../backend";
import type { SeatView } from "../bindings/SeatView";
import type { Status } from "../bindings/Status";
import { roleLabel } from "../labels";
import { usePoll } from "../poll";
import "./StatusBar.css";

/** How often the status bar asks; a change the panel made asks at once. */
const STATUS_MS = 5000;
const CHANGED = ["facepay:changed"] as const;

type Props = {
  onOpen: (tab: RecordsTab) => void;
  /** Every answer's seat: how the panel notices the idle lock within one poll. */
  onSeat?: (seat: SeatView) => void;
};

/** Transport and mode, reachability, operator, what is still owed; the HIS 接口 when configured. */
export function StatusBar({ onOpen, onSeat }: Props) {
  const [s, setS] = useState<Status | null>(null);
  const latest = useRef(onSeat);
  latest.current = onSeat;
  usePoll(true, STATUS_MS, () => backend.status(), (st) => {
    setS(st);
    latest.current?.(st.seat);
  }, CHANGED);
  if (!s) return <footer class="status-bar">正在检查终端…</footer>;
  const op = s.seat.operator;
  return (
    <footer class="status-bar" id="status-bar">
      <span class={s.demo ? "mode demo-mode" : "mode"}>{s.demo ? "演示模式" : "终端"}</span>
      <span class={`dot ${s.reachable ? "ok" : "bad"}`} title={s.unreachableReason ?? s.transport} />
      <span class="reach">{s.reachable ? "终端在线" : "终端离线"}</span>
      <span class="who" id="status-operator">
        {op ? `${roleLabel(op.role)} ${op.name}${s.seat.locked ? "（已锁定）" : ""}` : "未登录"}
      </span>
      {/* Held settlements are counted apart (status.held), shown as 待发送. */}
      {s.undelivered > 0 && (
        <button type="button" class="owed" onClick={() => onOpen("history")}>未送达 {s.undelivered}</button>
      )}
      {s.held > 0 && (
        <button type="button" class="owed held" id="held-count" title="HIS 推送的结算，等收款员按 F4 通知终端" onClick={() => onOpen("history")}>
          待发送 {s.held}
        </button>
      )}
      {s.pending > 0 && (
        <button type="button" class="owed" onClick={() => onOpen("pending")}>待确认 {s.pending}</button>
      )}
      {s.bridge && (
        <span class="bridge-on" id="bridge-indicator" title={`HIS 接口：${s.bridge}`}>HIS 接口</span>
      )}
      {s.bridgeError && (
        <span class="clock-warning bridge-warning" id="bridge-warning" title={s.bridgeError}>HIS 接口未启动：{s.bridgeError}</span>
      )}
      {s.central && (
        <span
          class={`central central-${s.central.state}`}
          id="central-sync"
          title={s.central.reason ?? "本机记录同步到全院库的情况"}
        >
          {s.central.label}
        </span>
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
