import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import type { RefundDraft } from "../bindings/RefundDraft";
import type { SettlementRow } from "../bindings/SettlementRow";
import { ErrorBox } from "../ErrorBox";
import { useKeys } from "../keys";
import { PayKind } from "../PayKind";
import { Receipt } from "../Receipt";
import { fromDraft, RefundForm, toRequest, type Refund } from "./RefundForm";
import "../modal.css";
import "./RefundDialog.css";

/** The settlement being refunded, as the HIS shows it, to compare before confirming. */
function Original({ row: r, refundable }: { row: SettlementRow; refundable: string }) {
  return (
    <dl class="refund-original" id="refund-original">
      <dt>原结算</dt>
      <dd>#{r.id} · {r.setlTime} <PayKind selfPay={r.selfPay} /></dd>
      <dt>姓名</dt>
      <dd>{r.userName ?? "—"}</dd>
      <dt>总费用</dt>
      <dd class="num">{r.totalFee}</dd>
      <dt>已退</dt>
      <dd class="num">{r.refundedFee ?? "0.00"}</dd>
      <dt>可退</dt>
      <dd class="num strong">{refundable}</dd>
    </dl>
  );
}

type Props = {
  settlementId: number;
  onClose: () => void;
  /** A refund was recorded: the list behind is stale. */
  onRefunded: () => void;
};

/** 退费 of one settlement: prefilled with a full refund, edited, confirmed (F4). */
export function RefundDialog({ settlementId, onClose, onRefunded }: Props) {
  const [draft, setDraft] = useState<RefundDraft | null>(null);
  const [form, setForm] = useState<Refund | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<NotifyReceipt | null>(null);

  useEffect(() => {
    backend.refundDraft(settlementId).then(
      (d) => {
        setDraft(d);
        setForm(fromDraft(d));
      },
      (e) => setError(asIpcError(e)),
    );
  }, [settlementId]);

  const ready = draft !== null && form !== null && receipt === null && !busy;
  const submit = async () => {
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      setReceipt(await backend.refund(toRequest(form, draft)));
      onRefunded();
    } catch (e) {
      setError(asIpcError(e));
    } finally {
      setBusy(false);
    }
  };
  useKeys({ F4: ready ? submit : undefined, Escape: busy ? undefined : onClose });

  return (
    <div class="modal-backdrop">
      <section class="modal" id="refund-dialog" role="dialog" aria-modal="true" aria-labelledby="refund-title">
        <h3 id="refund-title">退费</h3>
        {!draft && !error && <div class="muted">正在读取原结算…</div>}
        {draft && !receipt && <Original row={draft.original} refundable={draft.refundable} />}
        {error && <ErrorBox id="refund-error" error={error} />}
        {draft && form && !receipt && <RefundForm draft={draft} value={form} onChange={setForm} badField={error?.field ?? null} />}
        {receipt && <Receipt id="refund-receipt" receipt={receipt} selfPay={draft?.original.selfPay ?? false} />}
        <div class="actions">
          {draft && !receipt && (
            <button type="button" class="primary" id="refund-submit" disabled={!ready} onClick={submit}>
              {busy ? "正在通知终端…" : "确认退费"} <kbd>F4</kbd>
            </button>
          )}
          <button type="button" class="secondary" id="refund-cancel" disabled={busy} onClick={onClose}>
            {receipt ? "关闭" : "取消"} <kbd>Esc</kbd>
          </button>
        </div>
      </section>
    </div>
  );
}
