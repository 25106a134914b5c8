import type { Ref } from "preact";
import type { AppInfo } from "../bindings/AppInfo";
import type { SettleNotifyDraft } from "../bindings/SettleNotifyDraft";
import type { SettleState } from "../bindings/SettleState";
import { Field, type FieldLook } from "../Field";
import { BIZ_TYPES, STATES } from "../labels";

/** A new visit is settled (or failed) here; refunds start from 历史 (退费). */
const SETTLE_STATES = STATES.filter(([code]) => code === "SUCCESS" || code === "FAIL");
import { balanceWarning } from "../money";
import { wireNow, wireTime } from "../time";
import { mapMoreAmounts, MoreAmounts, type MoreAmountValues } from "./MoreAmounts";
import "./SettleForm.css";

/** The form as typed: every value the input's text. */
export type Settlement = {
  state: SettleState;
  /** 自费结算: the patient pays everything, 医保 is not involved. */
  selfPay: boolean;
  totalFee: string;
  hifAmt: string;
  hifpAmt: string;
  acctAmt: string;
  ownAmt: string;
  medicalSettleNo: string;
  more: MoreAmountValues;
  /** As the wire has it, whatever the machine's locale: "2026-11-28 10:05:03". */
  setlTime: string;
  /** "" = the counter's default from 设置. */
  bizType: string;
  officeId: string;
  officeName: string;
  doctorName: string;
  failReason: string;
};

type Text = Exclude<keyof Settlement, "state" | "selfPay" | "more">;

/** A fresh form once the patient is identified: the HIS settles about now. */
export const newSettlement = (info: AppInfo): Settlement => ({
  state: "SUCCESS", selfPay: false, totalFee: "", hifAmt: "", hifpAmt: "", acctAmt: "", ownAmt: "", medicalSettleNo: "",
  more: mapMoreAmounts(() => ""), setlTime: wireNow(), bizType: "",
  officeId: info.officeId, officeName: info.officeName, doctorName: "", failReason: "",
});

const succeeded = (state: SettleState) => state === "SUCCESS" || state === "REFUND_SUCCESS";
/** Only a successful 医保 settlement has a 医保 split of the total. */
const hasParts = (s: Settlement) => succeeded(s.state) && !s.selfPay;
const opt = (v: string) => (v.trim() ? v.trim() : null);

/** The draft the engine validates; what the desk knows (operator, hospital, identity) it fills in. */
export function toDraft(s: Settlement, outBizNo: string): SettleNotifyDraft {
  const part = (v: string) => (hasParts(s) ? opt(v) : null);
  return {
    outBizNo, medicalSettleState: s.state, selfPay: s.selfPay, totalFee: s.totalFee.trim(), bizType: s.bizType,
    operatorId: "", operatorName: "", hospitalName: "", setlTime: wireTime(s.setlTime),
    officeId: opt(s.officeId), officeName: opt(s.officeName), doctorName: opt(s.doctorName),
    failReason: succeeded(s.state) ? null : opt(s.failReason),
    medicalSettleNo: part(s.medicalSettleNo),
    hifAmt: part(s.hifAmt), hifpAmt: part(s.hifpAmt), acctAmt: part(s.acctAmt), ownAmt: part(s.ownAmt),
    ...mapMoreAmounts((k) => part(s.more[k])),
  };
}

type Props = {
  value: Settlement;
  onChange: (s: Settlement) => void;
  badField: string | null;
  firstRef: Ref<HTMLInputElement>;
};

export function SettleForm({ value: s, onChange, badField, firstRef }: Props) {
  const field = (k: Text, label: string, look: FieldLook = {}) => (
    <Field name={k} label={label} value={s[k]} bad={badField === k} onInput={(v) => onChange({ ...s, [k]: v })} {...look} />
  );
  const money = (k: Text, label: string, look: FieldLook = {}) => field(k, label, { ...look, money: true });
  const parts = hasParts(s);
  const warning = parts ? balanceWarning(s.totalFee, s.ownAmt, s.hifAmt, s.acctAmt) : null;
  return (
    <section class="card form" id="settle-form">
      <div class="state-buttons" role="radiogroup">
        {SETTLE_STATES.map(([code, label]) => (
          <button type="button" class={s.state === code ? "state-button on" : "state-button"} name={`state-${code}`} onClick={() => onChange({ ...s, state: code })}>
            {label}
          </button>
        ))}
      </div>
      <div class="form-grid form-grid-3">
        {money("totalFee", "总费用", { inputRef: firstRef })}
        <label class={`switch wide${s.selfPay ? " on" : ""}${badField === "selfPay" ? " bad" : ""}`}>
          <input type="checkbox" role="switch" aria-checked={s.selfPay} name="selfPay" checked={s.selfPay} onChange={(e) => onChange({ ...s, selfPay: e.currentTarget.checked })} />
          <span>自费结算（不走医保）</span>
        </label>
        {parts && (
          <>
            {money("hifAmt", "医保报销")}
            {money("hifpAmt", "统筹基金")}
            {money("acctAmt", "个人帐户")}
            {money("ownAmt", "自费金额")}
            {field("medicalSettleNo", "医保单据流水号", { span: "wide" })}
          </>
        )}
        {field("setlTime", "结算时间（HIS 结算时刻）", { span: "wide", placeholder: "2026-11-28 10:05:03" })}
        <label class={badField === "bizType" ? "bad" : ""}>
          <span>业务场景</span>
          <select name="bizType" value={s.bizType} onChange={(e) => onChange({ ...s, bizType: e.currentTarget.value })}>
            <option value="">按设置</option>
            {BIZ_TYPES.map(([c, l]) => <option value={c}>{l}</option>)}
          </select>
        </label>
        {field("officeId", "科室编号")}
        {field("officeName", "科室")}
        {field("doctorName", "医生")}
        {!succeeded(s.state) && field("failReason", "失败原因", { span: "full" })}
      </div>
      {parts && <MoreAmounts id="more-amounts" prefix="" values={s.more} badField={badField} onChange={(more) => onChange({ ...s, more })} />}
      {warning && <div class="warn" id="balance-warning">{warning}</div>}
    </section>
  );
}
