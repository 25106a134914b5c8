import { payKindLabel } from "./labels";

/** 医保 or 自费, as a badge: the two are counted apart at 日结. */
export function PayKind({ selfPay }: { selfPay: boolean }) {
  return <span class={selfPay ? "badge self-pay" : "badge insured"}>{payKindLabel(selfPay)}</span>;
}
