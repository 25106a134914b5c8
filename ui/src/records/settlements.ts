// How settlements and their refunds read in 历史 and in a visit's detail.

import type { SettlementRow } from "../bindings/SettlementRow";
import { fen } from "../money";

export type Placed = { row: SettlementRow; nested: boolean };

/**
 * Each refund right under its original when both are in `rows`, so a
 * settlement and what was taken back from it read together; everything
 * else keeps the order it came in.
 */
export function underOriginals(rows: SettlementRow[]): Placed[] {
  const here = new Set(rows.map((r) => r.id));
  const refunds = new Map<number, SettlementRow[]>();
  for (const r of rows) {
    if (r.originalId !== null && here.has(r.originalId)) refunds.set(r.originalId, [...(refunds.get(r.originalId) ?? []), r]);
  }
  return rows.flatMap((r) =>
    r.originalId !== null && here.has(r.originalId)
      ? []
      : [{ row: r, nested: false }, ...(refunds.get(r.id) ?? []).map((f) => ({ row: f, nested: true }))],
  );
}

const positive = (amount: string | null) => (fen(amount ?? "") ?? 0) > 0;

/** "已退 20.00 · 可退 100.50" once part of a SUCCESS settlement was refunded. */
export const refundedText = (r: SettlementRow) =>
  positive(r.refundedFee) ? `已退 ${r.refundedFee} · 可退 ${r.refundableFee ?? "0.00"}` : null;

/** Only a successful settlement with money left on it can be refunded. */
export const canRefund = (r: SettlementRow) => r.state === "SUCCESS" && positive(r.refundableFee);

export const refundOf = (r: SettlementRow) => (r.originalId !== null ? `退费（原结算 #${r.originalId}）` : null);
