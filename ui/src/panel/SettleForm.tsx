import type { Ref } from "preact";
import type { AppInfo } from "../bindings/AppInfo";
import type { SettleNotifyDraft } from "../bindings/SettleNotifyDraft";
import { BIZ_TYPES, STATES } from "../labels";
import { balanceWarning, fen } from "../money";

export type Settlement = {
  state: string;
  totalFee: string;
  hifAmt: string;
  hifpAmt: string;
  acctAmt: string;
  ownAmt: string;
  medicalSettleNo: string;
  bizType: string;
  officeName: string;
  doctorName: string;
  failReason: string;
};

export const emptySettlement = (info: AppInfo): Settlement => ({
  state: "SUCCESS", totalFee: "", hifAmt: "", hifpAmt: "", acctAmt: "", ownAmt: "", medicalSettleNo: "",
  bizType: "", officeName: info.officeName, doctorName: "", failReason: "",
});

const carriesAmounts = (state: string) => state === "SUCCESS" || state === "REFUND_SUCCESS";
const opt = (v: string) => (v.trim() ? v.trim() : null);

/** The draft the engine validates; what the desk knows (operator, hospital, identity) it fills in. */
export function toDraft(s: Settlement, outBizNo: string): SettleNotifyDraft {
  const amounts = carriesAmounts(s.state);
  return {
    outBizNo, medicalSettleState: s.state, totalFee: s.totalFee.trim(), bizType: s.bizType,
    operatorId: "", operatorName: "", hospitalName: "", setlTime: "",
    officeName: opt(s.officeName), doctorName: opt(s.doctorName),
    failReason: amounts ? null : opt(s.failReason),
    medicalSettleNo: amounts ? opt(s.medicalSettleNo) : null,
    hifAmt: amounts ? opt(s.hifAmt) : null, hifpAmt: amounts ? opt(s.hifpAmt) : null,
    acctAmt: amounts ? opt(s.acctAmt) : null, ownAmt: amounts ? opt(s.ownAmt) : null,
  };
}

type Props = {
  value: Settlement;
  onChange: (s: Settlement) => void;
  badField: string | null;
  firstRef: Ref<HTMLInputElement>;
};

export function SettleForm({ value: s, onChange, badField, firstRef }: Props) {
  const set = (k: keyof Settlement) => (e: Event) => onChange({ ...s, [k]: (e.target as HTMLInputElement).value });
  const money = (k: keyof Settlement, label: string, ref?: Ref<HTMLInputElement>) => (
    <label class={badField === k ? "bad" : s[k] && fen(s[k]) === null ? "bad" : ""}>
      <span>{label}</span>
      <input name={k} inputMode="decimal" placeholder="0.00" value={s[k]} onInput={set(k)} ref={ref} />
    </label>
  );
  const amounts = carriesAmounts(s.state);
  const warning = amounts ? balanceWarning(s.totalFee, s.ownAmt, s.hifAmt, s.acctAmt) : null;
  return (
    <section class="card form" id="settle-form">
      <div class="states" role="radiogroup">
        {STATES.map(([code, label]) => (
          <button class={s.state === code ? "seg on" : "seg"} name={`state-${code}`} onClick={() => onChange({ ...s, state: code })}>
            {label}
          </button>
        ))}
      </div>
      <div class="grid grid3">
        {money("totalFee", "总费用", firstRef)}
        {amounts && money("hifAmt", "医保报销")}
        {amounts && money("hifpAmt", "统筹基金")}
        {amounts && money("acctAmt", "个人帐户")}
        {amounts && money("ownAmt", "自费")}
        <label class={badField === "bizType" ? "bad" : ""}>
          <span>业务场景</span>
          <select name="bizType" value={s.bizType} onChange={set("bizType")}>
            <option value="">按设置</option>
            {BIZ_TYPES.map(([c, l]) => <option value={c}>{l}</option>)}
          </select>
        </label>
        {amounts && (
          <label class={badField === "medicalSettleNo" ? "bad wide" : "wide"}>
            <span>医保单据流水号</span>
            <input name="medicalSettleNo" value={s.medicalSettleNo} onInput={set("medicalSettleNo")} />
          </label>
        )}
        <label class={badField === "officeName" ? "bad" : ""}>
          <span>科室</span>
          <input name="officeName" value={s.officeName} onInput={set("officeName")} />
        </label>
        <label class={badField === "doctorName" ? "bad" : ""}>
          <span>医生</span>
          <input name="doctorName" value={s.doctorName} onInput={set("doctorName")} />
        </label>
        {!amounts && (
          <label class={badField === "failReason" ? "bad full" : "full"}>
            <span>失败原因</span>
            <input name="failReason" value={s.failReason} onInput={set("failReason")} />
          </label>
        )}
      </div>
      {warning && <div class="warn" id="balance-warning">{warning}</div>}
    </section>
  );
}
