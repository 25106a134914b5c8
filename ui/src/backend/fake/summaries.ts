// 日结 and 交班's sums, 关账, and the export, from the fake's rows.

import type { DaySummary } from "../../bindings/DaySummary";
import type { SettlementRow } from "../../bindings/SettlementRow";
import type { StateTotals } from "../../bindings/StateTotals";
import type { Totals } from "../../bindings/Totals";
import { STATES } from "../../labels";
import { fen, yuan } from "../../money";
import type { Backend } from "../index";
import { actor, fake, log } from "./store";

/** Refunds net against successes: SUCCESS counts +1, REFUND_SUCCESS −1. */
const sign = (r: SettlementRow) => (r.state === "SUCCESS" ? 1 : r.state === "REFUND_SUCCESS" ? -1 : 0);
/** Sums of rows; a net counts its 收款 and 退费 apart (as facepay-journal's summary does). */
function totals(rs: SettlementRow[], weight: (r: SettlementRow) => number, net = false): Totals {
  const sum = (k: "totalFee" | "hifAmt" | "acctAmt" | "ownAmt") => yuan(rs.reduce((a, r) => a + weight(r) * (fen(r[k] ?? "0") ?? 0), 0));
  const of = (state: string) => rs.filter((r) => r.state === state).length;
  return {
    count: net ? of("SUCCESS") : rs.length,
    refundCount: net ? of("REFUND_SUCCESS") : 0,
    totalFee: sum("totalFee"), hifAmt: sum("hifAmt"), acctAmt: sum("acctAmt"), ownAmt: sum("ownAmt"),
  };
}
/** Per state and kind, and the nets: what 日结 and 交班 show. */
export function summarize(rs: SettlementRow[]): Pick<DaySummary, "byState" | "net" | "netInsured" | "netSelfPay"> {
  const byState: StateTotals[] = STATES.flatMap(([state]) =>
    [false, true].flatMap((selfPay) => {
      const some = rs.filter((r) => r.state === state && r.selfPay === selfPay);
      return some.length ? [{ state, selfPay, ...totals(some, () => 1) }] : [];
    }),
  );
  return { byState, net: totals(rs, sign, true), netInsured: totals(rs.filter((r) => !r.selfPay), sign, true), netSelfPay: totals(rs.filter((r) => r.selfPay), sign, true) };
}

const summary: Backend["summary"] = async (date) => {
  const day = fake.rows.filter((r) => r.businessDay === date);
  const ids = [...new Set(day.map((r) => r.operatorId))];
  return ids.map((id): DaySummary => {
    const mine = day.filter((r) => r.operatorId === id);
    return { operatorId: id, operatorName: mine[0].operatorName, businessDay: date, ...summarize(mine), closedAt: null, closedBy: null };
  });
};

export const summaryCommands: Pick<Backend, "summary" | "closeDay" | "export"> = {
  summary,
  closeDay: async (date) => {
    log(actor(), "close_day", `${actor()}:${date}`);
    const mine = (await summary(date)).find((s) => s.operatorId === actor());
    const empty = { count: 0, refundCount: 0, totalFee: "0.00", hifAmt: "0.00", acctAmt: "0.00", ownAmt: "0.00" };
    const s = mine ?? { operatorId: actor(), operatorName: fake.sitting?.operator.name ?? "", businessDay: date, byState: [], net: empty, netInsured: empty, netSelfPay: empty, closedAt: null, closedBy: null };
    return { ...s, closedAt: `${date} 18:00:00`, closedBy: actor() };
  },
  export: async (req, onProgress) => {
    const rows = fake.rows.length;
    onProgress(rows);
    log(actor(), "export", null, `${req.from}..${req.to} ${req.format}${req.unmasked ? " unmasked" : ""} ${rows} rows`);
    return { rows, file: `/tmp/结算明细_${req.from}_${req.to}${req.unmasked ? "_未脱敏" : ""}.${req.format}` };
  },
};
