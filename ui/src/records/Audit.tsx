import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AuditFilter } from "../bindings/AuditFilter";
import { ErrorBox } from "../ErrorBox";
import { AUDIT_ACTIONS, auditActionLabel } from "../labels";
import { today } from "../time";
import { ScrollingTable } from "./Table";
import "./filters.css";
import "./Audit.css";

/** Entries per page; 更多 asks for the next ones. */
const PAGE = 100;

type Filter = { from: string; to: string; operatorId: string; action: string };

/** 审计 (管理员): who did what, newest first, with filters; 更多 pages on by id. */
export function Audit() {
  const [filter, setFilter] = useState<Filter>({ from: today(), to: today(), operatorId: "", action: "" });
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (beforeId: number | null) => {
    setBusy(true);
    setError(null);
    const f: AuditFilter = {
      from: filter.from || null, to: filter.to || null, operatorId: filter.operatorId.trim() || null,
      action: filter.action || null, beforeId, limit: PAGE,
    };
    try {
      const page = await backend.auditLog(f);
      setEntries(beforeId === null ? page : [...(entries ?? []), ...page]);
      // A full page may have more behind it; a short one is the end.
      setMore(page.length === PAGE);
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(null), []);
  const search = () => void load(null);
  const next = () => entries?.length && void load(entries[entries.length - 1].id);
  const set = (k: keyof Filter) => (e: Event) => setFilter({ ...filter, [k]: (e.target as HTMLInputElement).value });
  const enter = (e: KeyboardEvent) => e.key === "Enter" && search();
  const bad = (k: string) => (error?.field === k ? "bad" : "");

  return (
    <div class="audit" id="audit">
      <div class="filters" id="audit-filters">
        <label class={bad("from")}><span>开始日期</span><input placeholder="2026-11-28" inputMode="numeric" name="auditFrom" value={filter.from} onInput={set("from")} /></label>
        <label class={bad("to")}><span>结束日期</span><input placeholder="2026-11-28" inputMode="numeric" name="auditTo" value={filter.to} onInput={set("to")} /></label>
        <label class={bad("operatorId")}>
          <span>工号</span>
          <input name="auditOperator" value={filter.operatorId} placeholder="全部" onInput={set("operatorId")} onKeyDown={enter} />
        </label>
        <label class={`wide-filter ${bad("action")}`}>
          <span>操作</span>
          <select name="auditAction" value={filter.action} onChange={set("action")}>
            <option value="">全部</option>
            {AUDIT_ACTIONS.map(([c, l]) => <option value={c}>{l}</option>)}
          </select>
        </label>
        <button type="button" class="primary" id="audit-search" disabled={busy} onClick={search}>查询</button>
      </div>
      {error && <ErrorBox id="audit-error" error={error} />}
      <ScrollingTable
        id="audit-table"
        head={<tr><th>时间</th><th>工号</th><th>操作</th><th>对象</th><th>详情</th></tr>}
        columns={5}
        empty={entries?.length === 0 ? "没有符合条件的记录" : null}
      >
        {entries?.map((e) => (
          <tr class={`audit-row${/failed|locked|forbidden|unauthorized/.test(e.action) ? " flagged" : ""}`} id={`audit-${e.id}`}>
            <td>{e.at.slice(0, 19)}</td>
            <td>{e.operatorId}</td>
            <td title={e.action}>{auditActionLabel(e.action)}</td>
            <td>{e.subject ?? ""}</td>
            <td class="audit-detail" title={e.detail ?? undefined}>{e.detail ?? ""}</td>
          </tr>
        ))}
      </ScrollingTable>
      <div class="pager">
        {entries && <span class="muted">已显示 {entries.length} 条</span>}
        <button type="button" id="audit-more" disabled={!more || busy} onClick={next}>更多</button>
      </div>
    </div>
  );
}
