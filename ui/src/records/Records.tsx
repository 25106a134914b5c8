import { useEffect, useState } from "preact/hooks";
import { backend } from "../backend";
import type { AppInfo } from "../bindings/AppInfo";
import type { RecordsTab } from "../bindings/RecordsTab";
import type { Role } from "../bindings/Role";
import { useKeys } from "../keys";
import { roleLabel } from "../labels";
import { useSeat } from "../seat";
import { Audit } from "./Audit";
import { DayClose } from "./DayClose";
import { History } from "./History";
import { Hospital } from "./Hospital";
import { Operators } from "./Operators";
import { Pending } from "./Pending";
import { Settings } from "./Settings";
import { usePoll } from "../poll";
import "./Records.css";

/** How often the setup screen asks whether 设置 has fixed the configuration. */
const SETUP_MS = 2000;

/** The counter's own records: those who take payments. */
const COUNTER: Role[] = ["cashier", "admin"];
/** [tab, label, key (none: ""), who sees it] — as the shell's commands allow (src-tauri commands/table.rs). */
const TABS: [RecordsTab, string, string, Role[]][] = [
  ["history", "历史", "F6", COUNTER],
  ["day", "日结", "F7", COUNTER],
  ["pending", "待确认", "F8", COUNTER],
  ["settings", "设置", "F9", ["admin"]],
  ["audit", "审计", "F10", ["admin"]],
  ["operators", "操作员", "F11", ["admin"]],
  ["hospital", "全院", "", ["admin", "finance"]],
];

/**
 * How often this window asks who sits at the panel: it has no status bar,
 * and the seat is locked or handed over in the other window.
 */
const SEAT_MS = 3000;

/** The wider window where pharmacy and window staff read tables; it follows the panel's seat. */
export function Records({ tab }: { tab: string }) {
  const [seat] = useSeat(SEAT_MS);
  const [info, setInfo] = useState<AppInfo | null>(null);
  useEffect(() => void backend.appInfo().then(setInfo).catch(() => undefined), []);
  // The setup screen's 设置 needs nobody signed in; notice when it is fixed.
  usePoll(info?.startupError != null, SETUP_MS, () => backend.appInfo(), setInfo);
  const setup = info?.startupError != null;
  const op = seat?.operator ?? null;
  const open = !setup && op !== null && !seat?.locked;
  const tabs = setup ? TABS.filter(([t]) => t === "settings") : open && op ? TABS.filter(([, , , who]) => who.includes(op.role)) : [];
  const allowed = tabs.some(([t]) => t === tab);
  // A tab this operator may not see (a cashier sat down after an administrator): back to their first.
  useEffect(() => {
    if (open && !allowed && tabs.length > 0) location.replace(`#/records/${tabs[0][0]}`);
  }, [open, allowed, tabs.length]);
  const go = (t: string) => () => (location.hash = `#/records/${t}`);
  const keys: Record<string, (() => void) | undefined> = {};
  for (const [t, , key] of tabs) if (key) keys[key] = go(t);
  useKeys(keys);

  if (!info || (!setup && !seat)) return <div class="records"><div class="records-page muted">…</div></div>;
  if (!setup && !open) {
    return (
      <div class="records">
        <div class="records-locked" id="records-locked" role="alert">
          <div class="big">{op ? "收银台已锁定" : "尚未登录"}</div>
          <div>请先在收银台登录/解锁</div>
          <div class="muted">登录或解锁后，本窗口自动恢复。</div>
        </div>
      </div>
    );
  }
  return (
    <div class="records">
      <nav class="tabs">
        {tabs.map(([t, label, key]) => (
          <button type="button" class={tab === t ? "tab on" : "tab"} id={`tab-${t}`} onClick={go(t)}>
            {label} {key && <kbd>{key}</kbd>}
          </button>
        ))}
        {op && !setup && (
          <span class="tabs-who" id="records-operator" title={`工号 ${op.id}`}>
            {op.name} · {roleLabel(op.role)}
          </span>
        )}
      </nav>
      {/* Another operator starts from a clean page: nothing the last one searched or revealed. */}
      <div class="records-page" key={op?.id ?? "setup"}>
        {allowed && op && tab === "history" && <History />}
        {allowed && op && tab === "day" && <DayClose role={op.role} />}
        {allowed && op && tab === "pending" && <Pending role={op.role} />}
        {allowed && tab === "settings" && <Settings />}
        {allowed && tab === "audit" && <Audit />}
        {allowed && tab === "operators" && <Operators self={op?.id ?? ""} />}
        {allowed && op && tab === "hospital" && <Hospital />}
      </div>
    </div>
  );
}
