import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { AppInfo } from "../bindings/AppInfo";
import type { DaySummary } from "../bindings/DaySummary";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { Role } from "../bindings/Role";
import { ErrorBox } from "../ErrorBox";
import { painted } from "../marks";
import { today } from "../time";
import { SummaryTable } from "./SummaryTable";
import "./filters.css";
import "./DayClose.css";

const FORMATS: [ExportFormat, string][] = [
  ["xlsx", "Excel（XLSX）"],
  ["csv", "CSV（Excel / WPS）"],
];

/** 日结: per operator and day, 医保 and 自费 apart, refunds netted; close the day; export (未脱敏: 管理员 only). */
export function DayClose({ role }: { role: Role }) {
  const [date, setDate] = useState(today());
  const [rows, setRows] = useState<DaySummary[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [format, setFormat] = useState<ExportFormat>("xlsx");
  const [progress, setProgress] = useState<string | null>(null);
  const [unmasked, setUnmasked] = useState(false);
  /** 日结（关账） asked for and not confirmed yet: said in the page, not by a browser dialog the webview may not show. */
  const [closing, setClosing] = useState(false);
  // Only an administrator may, and the shell refuses anyone else: never sent by a cashier.
  const full = unmasked && role === "admin";

  const load = async () => {
    try {
      setError(null);
      setRows(await backend.summary(date));
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  useEffect(() => {
    void load();
    void backend.appInfo().then(setInfo);
  }, []);
  useLayoutEffect(() => {
    if (rows) painted("day");
  }, [rows]);
  const close = async () => {
    setClosing(false);
    try {
      await backend.closeDay(date);
      await load();
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  const exportRange = async () => {
    setError(null);
    try {
      setProgress(info?.exportDir ? "正在导出…" : "请选择保存位置…");
      const r = await backend.export({ from, to, format, unmasked: full }, (n) => setProgress(`已导出 ${n} 行…`));
      setProgress(r ? `已导出 ${r.rows} 行：${r.file}` : null);
    } catch (e) {
      setProgress(null);
      setError(asIpcError(e));
    }
  };

  return (
    <div class="day-close">
      <div class="filters">
        <label class={error?.field === "date" ? "bad" : ""}>
          <span>业务日期</span>
          <input placeholder="2026-11-28" inputMode="numeric" name="date" value={date} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
        </label>
        <button type="button" class="primary" id="load-day" onClick={load}>查看</button>
        <button type="button" class="secondary" id="close-day" disabled={closing} onClick={() => setClosing(true)}>日结（关账）</button>
      </div>
      {closing && (
        <div class="notice" id="close-day-confirm" role="alertdialog">
          <div>
            确认日结 {date}？关账后这一天的汇总不再变动；关账后再收的款、再退的费计入<b>下一个营业日</b>的日结和历史。
          </div>
          <div class="send-row">
            <button type="button" class="primary" id="close-day-yes" onClick={() => void close()}>确认日结</button>
            <button type="button" class="secondary" id="close-day-no" onClick={() => setClosing(false)}>取消</button>
          </div>
        </div>
      )}
      {error && <ErrorBox error={error} />}
      {rows?.length === 0 && <div class="muted">当日没有结算记录</div>}
      {rows?.map((s) => (
        <section class="card summary" id={`summary-${s.operatorId}`}>
          <h3>
            {s.operatorName}（{s.operatorId}） · {s.businessDay} {s.closedAt ? `· 已日结 ${s.closedAt}` : "· 未日结"}
          </h3>
          <SummaryTable s={s} />
        </section>
      ))}
      <section class="card export" id="export">
        <h3>导出结算明细（{full ? "含完整姓名和证件号，将记入审计" : "证件号、姓名已脱敏"}）</h3>
        <div class="filters">
          <label><span>开始日期</span><input placeholder="2026-11-28" inputMode="numeric" name="from" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} /></label>
          <label><span>结束日期</span><input placeholder="2026-11-28" inputMode="numeric" name="to" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} /></label>
          <label>
            <span>格式</span>
            <select name="format" value={format} onChange={(e) => setFormat(FORMATS.find(([f]) => f === e.currentTarget.value)?.[0] ?? "xlsx")}>
              {FORMATS.map(([f, label]) => <option value={f}>{label}</option>)}
            </select>
          </label>
          {role === "admin" && (
            <label class={`check${unmasked ? " on" : ""}`} id="export-unmasked">
              <input type="checkbox" name="unmasked" checked={unmasked} onChange={(e) => setUnmasked(e.currentTarget.checked)} />
              <span>未脱敏（管理员）</span>
            </label>
          )}
          <button type="button" class="primary" id="export-button" onClick={exportRange}>导出</button>
        </div>
        {progress && <div class="progress" id="export-progress">{progress}</div>}
      </section>
    </div>
  );
}
