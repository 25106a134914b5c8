import { useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { GroupBy } from "../bindings/GroupBy";
import type { HospitalReport as Report } from "../bindings/HospitalReport";
import type { Net } from "../bindings/Net";
import { ErrorBox } from "../ErrorBox";
import { GROUP_BYS } from "../labels";
import { today } from "../time";
import { ScrollingTable } from "./Table";

const byOf = (v: string): GroupBy => GROUP_BYS.find(([g]) => g === v)?.[0] ?? "counter";

/** 全院汇总: the hospital's 日结 over days, by counter, 收款员, office or day (医保 and 自费 apart), and its CSV. */
export function HospitalReport() {
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [by, setBy] = useState<GroupBy>("operator");
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      await work();
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  };
  const load = () => run(async () => setReport(await backend.centralReport(from.trim(), to.trim(), by)));
  const save = () =>
    run(async () => {
      const done = await backend.centralExport(from.trim(), to.trim(), by);
      if (done) setNote(`已导出 ${done.rows} 行：${done.file}`);
    });
  const bad = (field: string) => (error?.field === field ? "bad" : "");
  return (
    <section class="card" id="hospital-report">
      <h3>全院汇总</h3>
      <div class="filters">
        <label class={bad("from")}>
          <span>开始日期</span>
          <input placeholder="2026-11-01" inputMode="numeric" name="reportFrom" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label class={bad("to")}>
          <span>结束日期</span>
          <input placeholder="2026-11-30" inputMode="numeric" name="reportTo" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <label>
          <span>按</span>
          <select name="reportBy" value={by} onChange={(e) => setBy(byOf(e.currentTarget.value))}>
            {GROUP_BYS.map(([g, l]) => <option value={g}>{l}</option>)}
          </select>
        </label>
        <button type="button" class="primary" id="load-report" disabled={busy} onClick={load}>汇总</button>
        <button type="button" class="secondary" id="export-report" disabled={busy} onClick={save}>导出 CSV</button>
      </div>
      {note && <div class="note" id="report-note">{note}</div>}
      {error && <ErrorBox id="report-error" error={error} />}
      {report && (
        <ScrollingTable
          id="report"
          columns={7}
          empty={report.rows.length ? null : "这段时间没有结算"}
          head={
            <tr>
              <th>{GROUP_BYS.find(([g]) => g === report.by)?.[1]}</th><th>名称</th><th class="num">医保 笔数</th><th class="num">医保 金额</th>
              <th class="num">自费 笔数</th><th class="num">自费 金额</th><th class="num">合计</th>
            </tr>
          }
        >
          {report.rows.map((r) => (
            <tr data-key={r.key}>
              <td>{r.key || "—"}</td>
              <td>{r.name ?? "—"}</td>
              <Amounts net={r.insured} />
              <Amounts net={r.selfPay} />
              <td class="num">{r.totalFee}</td>
            </tr>
          ))}
          {report.rows.length > 0 && (
            <tr class="total" id="report-total">
              <td>全院</td>
              <td>{report.from} 至 {report.to}</td>
              <Amounts net={report.insured} />
              <Amounts net={report.selfPay} />
              <td class="num">{report.totalFee}</td>
            </tr>
          )}
        </ScrollingTable>
      )}
    </section>
  );
}

export function Amounts({ net }: { net: Net }) {
  const count = net.refundCount ? `${net.count}（退 ${net.refundCount}）` : String(net.count);
  return (
    <>
      <td class="num">{count}</td>
      <td class="num">{net.totalFee}</td>
    </>
  );
}
