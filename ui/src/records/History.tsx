import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { HistoryFilter } from "../bindings/HistoryFilter";
import type { HistoryPage } from "../bindings/HistoryPage";
import type { SettlementRow } from "../bindings/SettlementRow";
import type { VisitDetail } from "../bindings/VisitDetail";
import { ErrorBox } from "../ErrorBox";
import { BIZ_TYPES, CREDENTIALS, STATES } from "../labels";
import { painted, pressed } from "../marks";
import { today } from "../time";
import { HISTORY_WIDTH, HistoryHead, HistoryRow } from "./HistoryRow";
import { RefundDialog } from "./RefundDialog";
import { underOriginals } from "./settlements";
import { ScrollingTable } from "./Table";
import { VisitDrawer } from "./VisitDrawer";
import "./filters.css";

type Filter = Partial<HistoryFilter>;

/** 历史: the journal's filters, a keyset-paginated table, a visit's detail, 退费. */
export function History() {
  const [filter, setFilter] = useState<Filter>({ from: today(), to: today() });
  const [page, setPage] = useState<HistoryPage | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [error, setError] = useState<IpcError | null>(null);
  const [detail, setDetail] = useState<VisitDetail | null>(null);
  const [refunding, setRefunding] = useState<number | null>(null);
  /** What the last 重发 / F4 from this table did, said in words. */
  const [notice, setNotice] = useState<string | null>(null);

  const load = async (before: string | null) => {
    try {
      setError(null);
      const clean = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== "" && v != null));
      setPage(await backend.history({ ...clean, before, limit: 50 }));
    } catch (e) {
      // The rows of an earlier search must not pass for this one's.
      setPage(null);
      setError(asIpcError(e));
    }
  };
  useEffect(() => void load(null), []);
  useLayoutEffect(() => {
    if (page) painted("history");
  }, [page]);
  const search = () => {
    pressed("filter");
    setNotice(null);
    setCursors([null]);
    void load(null);
  };
  const next = () => {
    if (!page?.nextCursor) return;
    setCursors([...cursors, page.nextCursor]);
    void load(page.nextCursor);
  };
  const prev = () => {
    if (cursors.length < 2) return;
    const c = cursors.slice(0, -1);
    setCursors(c);
    void load(c[c.length - 1]);
  };
  const field = (k: keyof HistoryFilter, label: string, placeholder?: string) => (
    <label class={error?.field === k ? "bad" : ""}>
      <span>{label}</span>
      <input name={k} placeholder={placeholder} value={(filter[k] as string) ?? ""} onInput={(e) => setFilter({ ...filter, [k]: (e.target as HTMLInputElement).value })} onKeyDown={(e) => e.key === "Enter" && search()} />
    </label>
  );
  const select = (k: keyof HistoryFilter, label: string, options: [string, string][]) => (
    <label>
      <span>{label}</span>
      <select name={k} value={(filter[k] as string) ?? ""} onChange={(e) => setFilter({ ...filter, [k]: (e.target as HTMLSelectElement).value })}>
        <option value="">全部</option>
        {options.map(([c, l]) => <option value={c}>{l}</option>)}
      </select>
    </label>
  );
  const reload = () => load(cursors[cursors.length - 1]);
  const open = async (r: SettlementRow) => {
    try {
      setDetail(await backend.visitDetail(r.outBizNo));
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  const resend = async (r: SettlementRow) => {
    setNotice(null);
    try {
      const report = await backend.resend(r.id);
      setNotice(
        report.status === "delivered"
          ? `流水号 ${r.outBizNo}：终端已收到结果`
          : `流水号 ${r.outBizNo}：终端仍未收到结果${report.lastError ? `（${report.lastError}）` : ""}，系统会继续自动重发；结算本身已记录`,
      );
      await reload();
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  /** The cashier confirms a settlement the HIS pushed (as F4 in the panel). */
  const release = async (r: SettlementRow) => {
    try {
      await backend.releaseSettlement(r.id);
      await reload();
    } catch (e) {
      setError(asIpcError(e));
    }
  };

  return (
    <div class="history">
      <div class="filters" id="history-filters">
        {field("from", "开始日期", "2026-11-28")}
        {field("to", "结束日期", "2026-11-28")}
        {field("operatorId", "收款员编号")}
        {field("officeId", "科室编号")}
        {select("state", "状态", STATES)}
        {select("bizType", "业务场景", BIZ_TYPES)}
        {select("credential", "凭证方式", CREDENTIALS)}
        {field("userName", "姓名")}
        {field("idLast4", "证件号后4位")}
        {field("outBizNo", "业务流水号")}
        {field("authNo", "实人认证流水号")}
        {field("medicalSettleNo", "医保单据流水号")}
        <button type="button" class="primary" id="search" onClick={search}>查询</button>
      </div>
      {error && <ErrorBox error={error} />}
      {notice && <div class="notice" id="history-notice" role="status">{notice}</div>}
      {/* Wide tables scroll on their own: the filters and 查询 stay in view. */}
      <ScrollingTable id="history-table" head={<HistoryHead />} columns={HISTORY_WIDTH} empty={page?.rows.length === 0 ? "没有符合条件的记录" : null}>
        {page && underOriginals(page.rows).map((p) => (
          <HistoryRow {...p} onOpen={(r) => void open(r)} onResend={(r) => void resend(r)} onRelease={(r) => void release(r)} onRefund={(r) => setRefunding(r.id)} />
        ))}
      </ScrollingTable>
      <div class="pager">
        <button type="button" onClick={prev} disabled={cursors.length < 2}>上一页</button>
        <span>第 {cursors.length} 页</span>
        <button type="button" onClick={next} disabled={!page?.nextCursor}>下一页</button>
      </div>
      {detail && <VisitDrawer detail={detail} onClose={() => setDetail(null)} />}
      {refunding !== null && <RefundDialog settlementId={refunding} onClose={() => setRefunding(null)} onRefunded={() => void reload()} />}
    </div>
  );
}
