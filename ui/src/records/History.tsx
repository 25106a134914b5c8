import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { HistoryFilter } from "../bindings/HistoryFilter";
import type { HistoryPage } from "../bindings/HistoryPage";
import type { VisitDetail } from "../bindings/VisitDetail";
import { ErrorBox } from "../ErrorBox";
import { BIZ_TYPES, STATES, bizLabel, callStatusLabel, deliveryLabel, stateLabel, today, transLabel } from "../labels";

type Filter = Partial<HistoryFilter>;

/** 历史: the journal's filters, a keyset-paginated table, a visit's detail. */
export function History() {
  const [filter, setFilter] = useState<Filter>({ from: today(), to: today() });
  const [page, setPage] = useState<HistoryPage | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [error, setError] = useState<IpcError | null>(null);
  const [detail, setDetail] = useState<VisitDetail | null>(null);

  const load = async (before: string | null) => {
    try {
      setError(null);
      const clean = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== "" && v != null));
      setPage(await backend.history({ ...clean, before, limit: 50 }));
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  useEffect(() => void load(null), []);
  const search = () => {
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
  const field = (k: keyof HistoryFilter, label: string, type = "text") => (
    <label class={error?.field === k ? "bad" : ""}>
      <span>{label}</span>
      <input name={k} type={type} value={(filter[k] as string) ?? ""} onInput={(e) => setFilter({ ...filter, [k]: (e.target as HTMLInputElement).value })} onKeyDown={(e) => e.key === "Enter" && search()} />
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
  const open = async (outBizNo: string) => {
    try {
      setDetail(await backend.visitDetail(outBizNo));
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  const resend = async (settlementId: number) => {
    try {
      await backend.resend(settlementId);
      await load(cursors[cursors.length - 1]);
    } catch (e) {
      setError(asIpcError(e));
    }
  };

  return (
    <div class="history">
      <div class="filters" id="history-filters">
        {field("from", "开始日期", "date")}
        {field("to", "结束日期", "date")}
        {field("operatorId", "收款员编号")}
        {field("officeId", "科室编号")}
        {select("state", "状态", STATES)}
        {select("bizType", "业务场景", BIZ_TYPES)}
        {field("userName", "姓名")}
        {field("idLast4", "证件号后4位")}
        {field("outBizNo", "业务流水号")}
        {field("authNo", "实人认证流水号")}
        {field("medicalSettleNo", "医保单据流水号")}
        <button class="primary" id="search" onClick={search}>查询</button>
      </div>
      {error && <ErrorBox error={error} />}
      <table class="table" id="history-table">
        <thead>
          <tr>
            <th>结算时间</th><th>状态</th><th>姓名</th><th>证件号</th><th class="num">总费用</th><th class="num">医保报销</th>
            <th class="num">个人帐户</th><th class="num">自费</th><th>业务场景</th><th>收款员</th><th>终端通知</th><th />
          </tr>
        </thead>
        <tbody>
          {page?.rows.map((r) => (
            <tr class={r.delivery !== "delivered" ? "owed" : ""} onDblClick={() => void open(r.outBizNo)}>
              <td>{r.setlTime}</td>
              <td>{stateLabel(r.state)}</td>
              <td>{r.userName ?? "—"}</td>
              <td>{r.idNo ?? "—"}</td>
              <td class="num">{r.totalFee}</td>
              <td class="num">{r.hifAmt ?? ""}</td>
              <td class="num">{r.acctAmt ?? ""}</td>
              <td class="num">{r.ownAmt ?? ""}</td>
              <td>{bizLabel(r.bizType)}</td>
              <td>{r.operatorName}</td>
              <td>{deliveryLabel(r.delivery)}</td>
              <td>
                <button class="link" onClick={() => void open(r.outBizNo)}>详情</button>
                {r.delivery !== "delivered" && <button class="link" name="resend" onClick={() => void resend(r.id)}>重发</button>}
              </td>
            </tr>
          ))}
          {page && page.rows.length === 0 && (
            <tr><td colSpan={12} class="muted">没有符合条件的记录</td></tr>
          )}
        </tbody>
      </table>
      <div class="pager">
        <button onClick={prev} disabled={cursors.length < 2}>上一页</button>
        <span>第 {cursors.length} 页</span>
        <button onClick={next} disabled={!page?.nextCursor}>下一页</button>
      </div>
      {detail && (
        <aside class="drawer" id="detail">
          <div class="drawer-head">
            <strong>就诊 {detail.visit.outBizNo}</strong>
            <button class="link" onClick={() => setDetail(null)}>关闭</button>
          </div>
          <div class="muted">{detail.visit.userName ?? "—"} · {detail.visit.idNo ?? "—"} · {detail.visit.createdAt}</div>
          {detail.calls.map((c) => (
            <div class={`call ${c.status}`}>
              <div><strong>{transLabel(c.transType)}</strong> · {callStatusLabel(c.status)} · {c.startedAt}</div>
              {c.errorMessage && <div class="warn">{c.errorCode ? `[${c.errorCode}] ` : ""}{c.errorMessage}</div>}
              {c.resolution && <div class="muted">已确认：{c.resolutionReason}（{c.resolvedBy}）</div>}
              <details><summary>请求（已脱敏）</summary><pre>{c.requestMasked}</pre></details>
              {c.replyMasked && <details><summary>应答（已脱敏）</summary><pre>{c.replyMasked}</pre></details>}
            </div>
          ))}
        </aside>
      )}
    </div>
  );
}
