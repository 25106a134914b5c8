import { useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { CentralSettlement } from "../bindings/CentralSettlement";
import { ErrorBox } from "../ErrorBox";
import { payKindLabel, stateText } from "../labels";
import { ScrollingTable } from "./Table";

/**
 * 按证件号查全院: one person's settlements at every counter, masked. The number
 * typed is hashed on this machine with the hospital's key and cleared from
 * the form once asked; the server never sees it, and the search is audited there.
 */
export function HospitalPerson() {
  const [idNo, setIdNo] = useState("");
  const [rows, setRows] = useState<CentralSettlement[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const search = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setRows(await backend.centralPerson(idNo.trim()));
      setIdNo("");
    } catch (err) {
      setRows(null);
      setError(asIpcError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" id="hospital-person">
      <h3>按证件号查全院结算</h3>
      <form class="filters" onSubmit={search}>
        <label class={error?.field === "idNo" ? "bad" : ""}>
          <span>证件号（完整）</span>
          <input name="personIdNo" type="password" autoComplete="off" maxLength={64} value={idNo} onInput={(e) => setIdNo(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" id="search-person" disabled={busy}>查询</button>
      </form>
      {error && <ErrorBox id="person-error" error={error} />}
      {rows && (
        <ScrollingTable
          id="person-settlements"
          columns={9}
          empty={rows.length ? null : "各收银台都没有这位病人的结算"}
          head={
            <tr>
              <th>收银台</th><th>结算时间</th><th>业务流水号</th><th>状态</th><th>类型</th><th class="num">金额</th>
              <th>姓名</th><th>证件号</th><th>科室</th>
            </tr>
          }
        >
          {rows.map((r) => (
            <tr data-counter={r.counterId}>
              <td>{r.counterId}</td>
              <td>{r.setlTime}</td>
              <td>{r.outBizNo}</td>
              <td>{stateText(r.state)}</td>
              <td>{payKindLabel(r.selfPay)}</td>
              <td class="num">{r.totalFee}</td>
              <td>{r.userName ?? "—"}</td>
              <td>{r.idNo ?? "—"}</td>
              <td>{r.officeName ?? "—"}</td>
            </tr>
          ))}
        </ScrollingTable>
      )}
    </section>
  );
}
