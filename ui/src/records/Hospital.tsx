import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { CentralStatus } from "../bindings/CentralStatus";
import type { CounterStatus } from "../bindings/CounterStatus";
import type { HospitalDay } from "../bindings/HospitalDay";
import { ErrorBox } from "../ErrorBox";
import { HospitalDifferences } from "./HospitalDifferences";
import { HospitalPerson } from "./HospitalPerson";
import { Amounts, HospitalReport } from "./HospitalReport";
import { today } from "../time";
import { ScrollingTable } from "./Table";
import "./filters.css";
import "./Hospital.css";

const dash = (v: number | string | null | undefined) => (v === null || v === undefined ? "—" : String(v));
const terminal = (c: CounterStatus) => (c.terminalReachable === null ? "—" : c.terminalReachable ? "在线" : "离线");

/**
 * 全院 (财务/信息科, 管理员): every counter's heartbeat on the hospital's server, the hospital's 日结 by counter
 * (医保 and 自费 apart), the day's 对账 differences until explained, and one person's settlements across counters.
 */
export function Hospital() {
  const [status, setStatus] = useState<CentralStatus | null>(null);
  const [date, setDate] = useState(today());
  const [day, setDay] = useState<HospitalDay | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  // The date the tables below were asked for, and each 刷新: the differences follow them.
  const [asked, setAsked] = useState({ date: today(), stamp: 0 });

  const load = async () => {
    setError(null);
    setAsked((a) => ({ date, stamp: a.stamp + 1 }));
    try {
      setStatus(await backend.centralStatus());
      setDay(await backend.centralSummary(date));
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  useEffect(() => void load(), []);

  return (
    <div class="hospital">
      <div class="filters">
        <label class={error?.field === "date" ? "bad" : ""}>
          <span>业务日期</span>
          <input placeholder="2026-11-28" inputMode="numeric" name="date" value={date} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
        </label>
        <button type="button" class="primary" id="load-hospital" onClick={load}>刷新</button>
      </div>
      {error && <ErrorBox error={error} />}
      {status && (
        <p class={status.reachable ? "muted" : "bad-line"} id="central-server">
          全院库 {status.server}
          {status.reachable ? `（结构版本 ${dash(status.schemaVersion)}）` : `：未连接（${status.reason ?? ""}）`}
          ，本机未上传 {status.thisCounterPending} 条
          {status.thisCounterRestoreUnfinished && (
            <strong class="bad-line">；本机换机恢复未完成，暂不收费（见 docs/central.md 3.2）</strong>
          )}
        </p>
      )}
      {status && (
        <section class="card">
          <h3>收银台</h3>
          <ScrollingTable
            id="counters"
            columns={9}
            empty={status.counters.length ? null : "全院库中还没有收银台"}
            head={
              <tr>
                <th>收银台</th><th>最后心跳</th><th>终端</th><th class="num">未送达</th><th class="num">待确认</th>
                <th class="num">未上传</th><th>操作员</th><th>版本</th><th>最后同步</th>
              </tr>
            }
          >
            {status.counters.map((c) => (
              <tr class={c.stale ? "flagged" : ""} data-counter={c.counterId}>
                <td>{c.counterId}{c.stale && "（失联）"}</td>
                <td>{dash(c.heartbeatAt)}</td>
                <td>{terminal(c)}</td>
                <td class="num">{dash(c.outboxBacklog)}</td>
                <td class="num">{dash(c.unresolved)}</td>
                <td class="num">{dash(c.pendingChanges)}</td>
                <td>{dash(c.operatorId)}</td>
                <td>{dash(c.appVersion)}</td>
                <td>{dash(c.lastSyncedAt)}</td>
              </tr>
            ))}
          </ScrollingTable>
        </section>
      )}
      {day && (
        <section class="card">
          <h3>全院日结 {day.date}（退费已冲减）</h3>
          <ScrollingTable
            id="hospital-day"
            columns={6}
            empty={day.counters.length ? null : "这一天没有结算"}
            head={
              <tr>
                <th>收银台</th><th class="num">医保 笔数</th><th class="num">医保 金额</th>
                <th class="num">自费 笔数</th><th class="num">自费 金额</th><th class="num">合计</th>
              </tr>
            }
          >
            {day.counters.map((c) => (
              <tr data-counter={c.counterId}>
                <td>{c.counterId}</td>
                <Amounts net={c.insured} />
                <Amounts net={c.selfPay} />
                <td class="num">{c.totalFee}</td>
              </tr>
            ))}
            {day.counters.length > 0 && (
              <tr class="total" id="hospital-total">
                <td>全院</td>
                <Amounts net={day.insured} />
                <Amounts net={day.selfPay} />
                <td class="num">{day.totalFee}</td>
              </tr>
            )}
          </ScrollingTable>
        </section>
      )}
      {status?.reachable && <HospitalReport />}
      {status?.reachable && <HospitalDifferences date={asked.date} stamp={asked.stamp} />}
      {status?.reachable && <HospitalPerson />}
    </div>
  );
}
