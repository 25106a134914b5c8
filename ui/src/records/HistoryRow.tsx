import type { SettlementRow } from "../bindings/SettlementRow";
import { bizLabel, CREDENTIAL, deliveryLabel, stateLabel } from "../labels";
import { PayKind } from "../PayKind";
import { canRefund, refundedText, refundOf, type Placed } from "./settlements";
import "./settlements.css";
import "./HistoryRow.css";

/** The header, kept beside the cells it names. */
export function HistoryHead() {
  return (
    <tr>
      <th>编号</th><th>操作</th><th>结算时间</th><th>状态</th><th>方式</th><th>凭证</th><th>姓名</th><th>证件号</th>
      <th class="num">总费用</th><th class="num">已退/可退</th><th class="num">医保报销</th><th class="num">个人帐户</th><th class="num">自费金额</th>
      <th>业务场景</th><th>收款员</th><th>终端通知</th>
    </tr>
  );
}

/** Columns, for a row that spans the table. */
export const HISTORY_WIDTH = 16;

type Props = Placed & {
  onOpen: (r: SettlementRow) => void;
  onResend: (r: SettlementRow) => void;
  /** 通知终端 for a settlement the HIS pushed and the counter holds for the cashier. */
  onRelease: (r: SettlementRow) => void;
  onRefund: (r: SettlementRow) => void;
};

/** One settlement in 历史; a refund under its original is indented. */
export function HistoryRow({ row: r, nested, onOpen, onResend, onRelease, onRefund }: Props) {
  const cls = [r.delivery !== "delivered" && "owed", r.originalId !== null && "refund", nested && "nested"].filter(Boolean).join(" ");
  const mark = refundOf(r);
  return (
    <tr class={cls} id={`settlement-${r.id}`} onDblClick={() => onOpen(r)}>
      <td class="settlement-no">
        {mark ? <span class="refund-of" title={`结算 #${r.id}`}>{nested ? `↳ ${mark}` : mark}</span> : `#${r.id}`}
        {r.source === "his" && <span class="badge his" title="由 HIS 通过接口推送">HIS</span>}
      </td>
      <td class="row-actions">
        {/* Actions come first, in view however wide the table; 详情 leads. */}
        <button type="button" class="link" onClick={() => onOpen(r)}>详情</button>
        {r.delivery === "held" && <button type="button" class="link" name="release" onClick={() => onRelease(r)}>通知终端</button>}
        {r.delivery !== "delivered" && r.delivery !== "held" && <button type="button" class="link" name="resend" onClick={() => onResend(r)}>重发</button>}
        {canRefund(r) && <button type="button" class="link refund-button" name="refund" onClick={() => onRefund(r)}>退费</button>}
      </td>
      <td>{r.setlTime}</td>
      <td>{stateLabel(r.state)}</td>
      <td><PayKind selfPay={r.selfPay} /></td>
      <td class="credential">{CREDENTIAL[r.credential]}</td>
      <td>{r.userName ?? "—"}</td>
      <td>{r.idNo ?? "—"}</td>
      <td class="num">{r.totalFee}</td>
      <td class="num refunded">{refundedText(r) ?? ""}</td>
      <td class="num">{r.hifAmt ?? ""}</td>
      <td class="num">{r.acctAmt ?? ""}</td>
      <td class="num">{r.ownAmt ?? ""}</td>
      <td>{bizLabel(r.bizType)}</td>
      <td>{r.operatorName}</td>
      <td>{deliveryLabel(r.delivery)}</td>
    </tr>
  );
}
