import type { DaySummary } from "../bindings/DaySummary";
import type { Totals } from "../bindings/Totals";
import { payKindLabel, stateLabel } from "../labels";
import "./Table.css";
import "./SummaryTable.css";

/**
 * A net counts its 收款 and 退费 apart: "收 2 · 退 1", never "2 − 1 = 1";
 * compact (the 400 px panel's 交班): "2/1" under the header 收/退.
 */
function TotalsRow({ label, t, net = false, compact = false }: { label: string; t: Totals; net?: boolean; compact?: boolean }) {
  const count = !net ? String(t.count) : compact ? `${t.count}/${t.refundCount}` : `收 ${t.count} · 退 ${t.refundCount}`;
  return (
    <tr class={net ? "net" : ""}>
      <td>{label}</td><td class="num">{count}</td><td class="num">{t.totalFee}</td><td class="num">{t.hifAmt}</td><td class="num">{t.acctAmt}</td><td class="num">{t.ownAmt}</td>
    </tr>
  );
}

/** What 日结 and 交班 both show. */
export type Summed = Pick<DaySummary, "byState" | "net" | "netInsured" | "netSelfPay">;

/** Per state, 医保 and 自费 apart, then the nets (refunds taken off). */
export function SummaryTable({ s, compact = false }: { s: Summed; compact?: boolean }) {
  return (
    <table class={compact ? "table compact" : "table"}>
      <thead>
        <tr><th>状态</th><th class="num">{compact ? "收/退" : "笔数"}</th><th class="num">总费用</th><th class="num">医保报销</th><th class="num">个人帐户</th><th class="num">自费</th></tr>
      </thead>
      <tbody>
        {s.byState.map((t) => (
          <TotalsRow label={`${stateLabel(t.state)} · ${payKindLabel(t.selfPay)}`} t={t} />
        ))}
        <TotalsRow net compact={compact} label={compact ? "净额合计" : "净额合计（成功 − 退费）"} t={s.net} />
        <TotalsRow net compact={compact} label="其中医保" t={s.netInsured} />
        <TotalsRow net compact={compact} label="其中自费" t={s.netSelfPay} />
      </tbody>
    </table>
  );
}
