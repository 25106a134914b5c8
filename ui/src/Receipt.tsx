import type { NotifyReceipt } from "./bindings/NotifyReceipt";
import { deliveryLabel, stateLabel } from "./labels";
import { PayKind } from "./PayKind";
import "./Receipt.css";

/** What was recorded and whether the terminal has it yet. */
export function Receipt({ id, receipt, selfPay }: { id: string; receipt: NotifyReceipt; selfPay: boolean }) {
  const d = receipt.delivery;
  return (
    <div class={`receipt ${d.status}`} id={id}>
      <div class="big">
        {stateLabel(receipt.state)} <PayKind selfPay={selfPay} /> · {deliveryLabel(d.status)}
      </div>
      {d.status !== "delivered" && (
        <div>终端暂未收到结果，系统会自动重发{d.lastError ? `（${d.lastError}）` : ""}。结算本身已记录，无需重新结算。</div>
      )}
      {receipt.warnings.map((w) => (
        <div class="warn">{w}</div>
      ))}
      <div class="muted">业务日期 {receipt.businessDay} · 流水号 {receipt.outBizNo}</div>
    </div>
  );
}
