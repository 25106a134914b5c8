import { useEffect, useRef } from "preact/hooks";
import type { RefundRequest } from "../bindings/RefundRequest";
import type { SettleNotifyDraft } from "../bindings/SettleNotifyDraft";
import { Field } from "../Field";
import { fen } from "../money";
import "./MoreAmounts.css";

/** The optional 医保 amounts, rarely typed: wire name and label. */
const MORE_AMOUNTS = [
  ["balance", "帐户余额"],
  ["hifmiAmt", "大额医疗"],
  ["cvlservAmt", "公务员补助"],
  ["maAmt", "医疗救助"],
  ["hosPreAmt", "医院垫支"],
  ["medOverLmtAmt", "超标扣款"],
  ["mafAmt", "扶贫救助"],
  ["cvlservDedcAmt", "公务员返还"],
] as const satisfies readonly (readonly [keyof SettleNotifyDraft & keyof RefundRequest, string])[];

type MoreAmount = (typeof MORE_AMOUNTS)[number][0];
export type MoreAmountValues = Record<MoreAmount, string>;

/** One value per optional amount, e.g. the wire values of a form's inputs. */
export function mapMoreAmounts<T>(f: (k: MoreAmount) => T): Record<MoreAmount, T> {
  // fromEntries loses the keys' type; MORE_AMOUNTS lists every key once.
  return Object.fromEntries(MORE_AMOUNTS.map(([k]) => [k, f(k)])) as Record<MoreAmount, T>;
}

type Props = {
  id: string;
  /** Prefix of the input names ("" in the panel, "refund-" in the refund dialog). */
  prefix: string;
  values: MoreAmountValues;
  onChange: (values: MoreAmountValues) => void;
  badField: string | null;
};

/** 更多金额, folded so the everyday form fits the panel without scrolling. */
export function MoreAmounts({ id, prefix, values, onChange, badField }: Props) {
  const fold = useRef<HTMLDetailsElement>(null);
  const blamed = MORE_AMOUNTS.some(([k]) => k === badField);
  // Unfold when the backend names a field inside (folded, its highlight would
  // go unseen), but never fold it on the cashier.
  useEffect(() => {
    if (blamed && fold.current) fold.current.open = true;
  }, [blamed]);
  const filled = MORE_AMOUNTS.filter(([k]) => values[k].trim()).length;
  const invalid = MORE_AMOUNTS.some(([k]) => values[k].trim() && fen(values[k]) === null);
  return (
    <details class={blamed || invalid ? "more-amounts bad" : "more-amounts"} id={id} ref={fold}>
      <summary>
        更多金额{filled > 0 && <span class="filled">（已填 {filled} 项）</span>}
      </summary>
      <div class="form-grid form-grid-3">
        {MORE_AMOUNTS.map(([k, label]) => (
          <Field money name={prefix + k} label={label} value={values[k]} bad={badField === k} onInput={(v) => onChange({ ...values, [k]: v })} />
        ))}
      </div>
    </details>
  );
}
