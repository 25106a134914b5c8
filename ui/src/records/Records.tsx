import { useKeys } from "../keys";
import { DayClose } from "./DayClose";
import { History } from "./History";
import { Pending } from "./Pending";
import { Settings } from "./Settings";

const TABS: [string, string, string][] = [
  ["history", "历史", "F6"],
  ["day", "日结", "F7"],
  ["pending", "待确认", "F8"],
  ["settings", "设置", "F9"],
];

/** The wider window where pharmacy and window staff read tables. */
export function Records({ tab }: { tab: string }) {
  const go = (t: string) => () => (location.hash = `#/records/${t}`);
  useKeys({ F6: go("history"), F7: go("day"), F8: go("pending"), F9: go("settings") });
  return (
    <div class="records">
      <nav class="tabs">
        {TABS.map(([t, label, key]) => (
          <button class={tab === t ? "tab on" : "tab"} id={`tab-${t}`} onClick={go(t)}>
            {label} <kbd>{key}</kbd>
          </button>
        ))}
      </nav>
      <div class="page">
        {tab === "history" && <History />}
        {tab === "day" && <DayClose />}
        {tab === "pending" && <Pending />}
        {tab === "settings" && <Settings />}
      </div>
    </div>
  );
}
