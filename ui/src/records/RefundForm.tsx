import type { RefundDraft } from "../bindings/RefundDraft";
import type { RefundRequest } from "../bindings/RefundRequest";
import type { SettleState } from "../bindings/SettleState";
import { Field, type FieldLook } from "../Field";
import { stateLabel } from "../labels";
import { balanceWarning, fen } from "../money";
import { mapMoreAmounts, MoreAmounts, type MoreAmountValues } from "../panel/MoreAmounts";
import { wireTime } from "../time";

/** What a refund can end as. */
type Outcome = Extract<SettleState, "REFUND_SUCCESS" | "REFUND_FAIL">;
const OUTCOMES: Outcome[] = ["REFUND_SUCCESS", "REFUND_FAIL"];

/** The dialog's inputs, as typed. */
export type Refund = {
  state: Outcome;
  totalFee: string;
  /** As the wire has it: "2026-11-28 10:05:03". */
  setlTime: string;
  ownAmt: string;
  hifAmt: string;
  acctAmt: string;
  hifpAmt: string;
  medicalSettleNo: string;
  more: MoreAmountValues;
  failReason: string;
};

type Text = Exclude<keyof Refund, "state" | "more">;

/** The backend's full refund, ready to edit. */
export function fromDraft({ request: q }: RefundDraft): Refund {
  const v = (x: string | null) => x ?? "";
  return {
    state: q.medicalSettleState === "REFUND_FAIL" ? "REFUND_FAIL" : "REFUND_SUCCESS",
    totalFee: v(q.totalFee), setlTime: v(q.setlTime),
    ownAmt: v(q.ownAmt), hifAmt: v(q.hifAmt), acctAmt: v(q.acctAmt), hifpAmt: v(q.hifpAmt), medicalSettleNo: v(q.medicalSettleNo),
    more: mapMoreAmounts((k) => v(q[k])), failReason: v(q.failReason),
  };
}

/** A successful refund of a 医保 settlement returns its 医保 split too. */
const hasParts = (f: Refund, d: RefundDraft) => f.state === "REFUND_SUCCESS" && !d.original.selfPay;

export function toRequest(f: Refund, d: RefundDraft): RefundRequest {
  // Parts the dialog did not show go as null: a failed refund's are ignored and
  // a 自费 refund has none. Shown ones go as typed, so a cleared input is ""
  // (leave the field out) and an untouched one its prefilled value.
  const part = (v: string) => (hasParts(f, d) ? v.trim() : null);
  return {
    settlementId: d.original.id, medicalSettleState: f.state, totalFee: f.totalFee.trim(), setlTime: wireTime(f.setlTime),
    medicalSettleNo: part(f.medicalSettleNo), ownAmt: part(f.ownAmt), hifAmt: part(f.hifAmt), acctAmt: part(f.acctAmt), hifpAmt: part(f.hifpAmt),
    ...mapMoreAmounts((k) => part(f.more[k])),
    failReason: f.state === "REFUND_FAIL" ? f.failReason.trim() : null,
    // The signed-in cashier refunds.
    operatorId: null, operatorName: null,
  };
}

type Props = {
  draft: RefundDraft;
  value: Refund;
  onChange: (f: Refund) => void;
  /** A wire name, from the backend's error. */
  badField: string | null;
};

/** What is refunded: outcome, amount, time, and for 医保 the split of it. */
export function RefundForm({ draft, value: f, onChange, badField }: Props) {
  const field = (k: Text, label: string, look: FieldLook = {}) => (
    <Field name={`refund-${k}`} label={label} value={f[k]} bad={badField === k} onInput={(v) => onChange({ ...f, [k]: v })} {...look} />
  );
  const asked = fen(f.totalFee);
  const left = fen(draft.refundable);
  // Only a successful refund takes money back, so only it can exceed what is left.
  const over = f.state === "REFUND_SUCCESS" && asked !== null && left !== null && asked > left;
  const parts = hasParts(f, draft);
  const partial = parts && asked !== null && left !== null && asked < left;
  const warning = parts ? balanceWarning(f.totalFee, f.ownAmt, f.hifAmt, f.acctAmt) : null;
  return (
    <div class="refund-form">
      <div class={badField === "medicalSettleState" ? "state-buttons two bad" : "state-buttons two"} role="radiogroup">
        {OUTCOMES.map((s) => (
          <button type="button" class={f.state === s ? "state-button on" : "state-button"} name={`refund-state-${s}`} onClick={() => onChange({ ...f, state: s })}>
            {stateLabel(s)}
          </button>
        ))}
      </div>
      <div class="form-grid form-grid-3">
        <Field money name="refund-totalFee" label="退费金额" value={f.totalFee} bad={badField === "totalFee" || over} onInput={(v) => onChange({ ...f, totalFee: v })} />
        {field("setlTime", "结算时间（HIS 退费时刻）", { span: "wide", placeholder: "2026-11-28 10:05:03" })}
        {parts && (
          <>
            {field("hifAmt", "医保报销", { money: true })}
            {field("hifpAmt", "统筹基金", { money: true })}
            {field("acctAmt", "个人帐户", { money: true })}
            {field("ownAmt", "自费金额", { money: true })}
            {field("medicalSettleNo", "医保单据流水号", { span: "wide" })}
          </>
        )}
        {f.state === "REFUND_FAIL" && field("failReason", "失败原因", { span: "full" })}
      </div>
      {parts && <MoreAmounts id="refund-more-amounts" prefix="refund-" values={f.more} badField={badField} onChange={(more) => onChange({ ...f, more })} />}
      {over && <div class="warn" id="refund-over">超过可退金额 {draft.refundable}</div>}
      {partial && <div class="warn" id="refund-partial">部分退费：请按 HIS 2208 的结果修改各项金额</div>}
      {warning && <div class="warn">{warning}</div>}
    </div>
  );
}
