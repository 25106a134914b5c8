import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { Difference } from "../bindings/Difference";
import { ErrorBox } from "../ErrorBox";
import { differenceLabel, stateText } from "../labels";
import { ScrollingTable } from "./Table";

const dash = (v: string | null) => v ?? "—";

/** 对账差异 of one day on the hospital's server, each kept until 财务 explains it (audited there). */
export function HospitalDifferences({ date, stamp }: { date: string; stamp: number }) {
  const [list, setList] = useState<Difference[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const load = async () => {
    setError(null);
    try {
      setList(await backend.centralDifferences(date));
    } catch (e) {
      setList(null);
      setError(asIpcError(e));
    }
  };
  useEffect(() => void load(), [stamp]);
  const explained = (d: Difference) => {
    setOpen(null);
    setNote(`已说明差异 ${d.key}`);
    void load();
  };
  return (
    <section class="card" id="hospital-differences">
      <h3>对账差异 {date}（待说明）</h3>
      <p class="muted">由 HIS 的对账文件（facepay reconcile 或接口）产生；写明原因后不再列出，原因记入全院审计。</p>
      {note && <div class="note" id="differences-note">{note}</div>}
      {error && <ErrorBox id="differences-error" error={error} />}
      {list && (
        <ScrollingTable
          id="differences"
          columns={8}
          empty={list.length ? null : "这一天没有待说明的差异"}
          head={
            <tr>
              <th>差异</th><th>结算号 / 流水号</th><th>收银台</th><th>业务流水号</th><th class="num">HIS 金额</th>
              <th class="num">本院记录</th><th>状态</th><th>操作</th>
            </tr>
          }
        >
          {list.map((d) => (
            <>
              <tr class="flagged" data-difference={d.id}>
                <td>{differenceLabel(d.kind)}</td>
                <td>{d.key}</td>
                <td>{dash(d.counterId)}</td>
                <td>{dash(d.outBizNo)}</td>
                <td class="num">{dash(d.hisTotalFee)}</td>
                <td class="num">{dash(d.ourTotalFee)}</td>
                <td>{stateText(d.state)}</td>
                <td>
                  <button type="button" class="link" name="explain" onClick={() => setOpen(d.id)}>说明</button>
                </td>
              </tr>
              {open === d.id && (
                <tr>
                  <td colSpan={8}>
                    <Explain difference={d} onDone={() => explained(d)} onCancel={() => setOpen(null)} />
                  </td>
                </tr>
              )}
            </>
          ))}
        </ScrollingTable>
      )}
    </section>
  );
}

/** The note under a difference's row. */
function Explain({ difference, onDone, onCancel }: { difference: Difference; onDone: () => void; onCancel: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await backend.centralExplain(difference.id, text.trim());
      onDone();
    } catch (err) {
      setError(asIpcError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="confirm row-confirm" id="explain-form" onSubmit={submit}>
      <label class={error?.field === "note" ? "bad" : ""}>
        <span>原因（记入全院审计；请勿写病人姓名或证件号）</span>
        <input name="note" autoComplete="off" maxLength={500} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      {error && <ErrorBox id="explain-error" error={error} />}
      <div class="actions">
        <button type="submit" class="primary" id="explain-confirm" disabled={busy}>确定</button>
        <button type="button" class="secondary" disabled={busy} onClick={onCancel}>取消</button>
      </div>
    </form>
  );
}
