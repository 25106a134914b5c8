import type { SettlementRow } from "../bindings/SettlementRow";
import type { VisitDetail } from "../bindings/VisitDetail";
import { callStatusLabel, CREDENTIAL, deliveryLabel, resolutionLabel, sourceLabel, stateLabel, transLabel } from "../labels";
import { PayKind } from "../PayKind";
import { refundedText, refundOf, underOriginals } from "./settlements";
import "./settlements.css";
import "./VisitDrawer.css";

/** The amounts a settlement carries, as "医保报销 80.00 · 个人帐户 20.00". */
function parts(r: SettlementRow) {
  const named: [string, string | null][] = [["医保报销", r.hifAmt], ["统筹基金", r.hifpAmt], ["个人帐户", r.acctAmt], ["自费", r.ownAmt]];
  return named.filter(([, v]) => v !== null).map(([l, v]) => `${l} ${v}`).join(" · ");
}

function Settlement({ row: r, nested }: { row: SettlementRow; nested: boolean }) {
  const mark = refundOf(r);
  const split = parts(r);
  const refunded = refundedText(r);
  return (
    <div class={nested ? "settlement nested" : "settlement"} id={`detail-settlement-${r.id}`}>
      <div>
        <strong>#{r.id} {stateLabel(r.state)}</strong> <PayKind selfPay={r.selfPay} /> · 总费用 <strong>{r.totalFee}</strong> · {r.setlTime}
      </div>
      {mark && <div class="refund-of">{nested ? `↳ ${mark}` : mark}</div>}
      {split && <div>{split}</div>}
      {r.medicalSettleNo && <div class="muted">医保单据流水号 {r.medicalSettleNo}</div>}
      {refunded && <div class="refunded">{refunded}</div>}
      {r.failReason && <div class="warn">失败原因：{r.failReason}</div>}
      <div class="muted">终端通知：{deliveryLabel(r.delivery)} · 收款员 {r.operatorName} · 来源 {sourceLabel(r.source)}</div>
    </div>
  );
}

/** One visit: its settlements (refunds under their originals), then every call. */
export function VisitDrawer({ detail, onClose }: { detail: VisitDetail; onClose: () => void }) {
  return (
    <aside class="drawer" id="detail">
      <div class="drawer-head">
        <strong>就诊 {detail.visit.outBizNo}</strong>
        <button type="button" class="link" id="detail-close" onClick={onClose}>关闭</button>
      </div>
      <div class="muted">
        {detail.visit.userName ?? "—"} · {detail.visit.idNo ?? "—"} · {detail.visit.createdAt} · 发起 {sourceLabel(detail.visit.source)} · 凭证 {CREDENTIAL[detail.visit.credential]}
      </div>
      <h4>结算</h4>
      {detail.settlements.length === 0 && <div class="muted">本次就诊没有结算记录</div>}
      {underOriginals(detail.settlements).map((p) => (
        <Settlement {...p} />
      ))}
      <h4>终端调用</h4>
      {detail.calls.map((c) => (
        <div class={`call ${c.status}`}>
          <div><strong>{transLabel(c.transType)}</strong> · {callStatusLabel(c.status)} · {c.startedAt}</div>
          {c.errorMessage && <div class="warn">{c.errorCode ? `[${c.errorCode}] ` : ""}{c.errorMessage}</div>}
          {c.resolution && <div class="muted">{resolutionLabel(c.resolution)}：{c.resolutionReason}（{c.resolvedBy}）</div>}
          <details><summary>请求（已脱敏）</summary><pre>{c.requestMasked}</pre></details>
          {c.replyMasked && <details><summary>应答（已脱敏）</summary><pre>{c.replyMasked}</pre></details>}
        </div>
      ))}
    </aside>
  );
}
