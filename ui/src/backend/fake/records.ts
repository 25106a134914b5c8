// The journal's records: settlements and refunds as the panel and the HIS
// record them, 历史, a visit's detail, 重发 and F4, 待确认 (the fake
// terminal never leaves a call unknown, so that list stays empty), 清除.

import type { DeliveryReport } from "../../bindings/DeliveryReport";
import type { DeliveryStatus } from "../../bindings/DeliveryStatus";
import type { IpcError } from "../../bindings/IpcError";
import type { NotifyReceipt } from "../../bindings/NotifyReceipt";
import type { RefundRequest } from "../../bindings/RefundRequest";
import type { SettlementRow } from "../../bindings/SettlementRow";
import { BIZ_TYPES, resolutionLabel, STATES } from "../../labels";
import { fen, yuan } from "../../money";
import { today } from "../../time";
import type { Backend } from "../index";
import { invalid, notFound } from "./errors";
import { actor, fake, log, now, wait } from "./store";

type Part = "ownAmt" | "hifAmt" | "acctAmt" | "hifpAmt";
const PARTS: Part[] = ["ownAmt", "hifAmt", "acctAmt", "hifpAmt"];
const oneOf = <T extends string>(table: [T, string][], code: string) => table.find(([c]) => c === code)?.[0] ?? null;
/** An amount as the backend keeps it: "30" → "30.00". */
export const amount = (field: string, text: string) => {
  const f = fen(text);
  if (f === null) throw invalid(field, `字段 ${field} 金额无效：${text}`);
  return yuan(f);
};

/** A delivery that reached the terminal at attempt `attempts`. */
const delivered = (settlementId: number, attempts: number): DeliveryReport => ({ settlementId, status: "delivered", attempts, nextAttemptAt: null, lastError: null });

/** Record a settlement, delivered at once (the fake terminal never fails) unless held for F4. */
export function record(row: Omit<SettlementRow, "id" | "operatorId" | "operatorName" | "businessDay" | "delivery">, delivery: DeliveryStatus = "delivered"): NotifyReceipt {
  const by = fake.sitting?.operator;
  const r: SettlementRow = {
    ...row, id: fake.rows.length + 1, operatorId: by?.id ?? fake.settings.operatorId, operatorName: by?.name ?? fake.settings.operatorName, businessDay: today(), delivery,
  };
  fake.rows.unshift(r);
  return {
    settlementId: r.id, outBizNo: r.outBizNo, state: r.state, selfPay: r.selfPay, businessDay: r.businessDay, originalId: r.originalId, warnings: [],
    delivery: { settlementId: r.id, status: delivery, attempts: delivery === "delivered" ? 1 : 0, nextAttemptAt: null, lastError: null },
  };
}

/** The settlement a refund is of: a SUCCESS with something left to refund. */
function original(settlementId: number): SettlementRow {
  const o = fake.rows.find((r) => r.id === settlementId);
  if (!o) throw notFound(`没有结算记录 ${settlementId}`);
  if (o.state !== "SUCCESS" || (fen(o.refundableFee ?? "") ?? 0) <= 0) {
    throw { code: "invalid_input", message: `结算 #${o.id} 没有可退的金额`, field: "settlementId", advice: null } satisfies IpcError;
  }
  return o;
}

export const recordCommands: Pick<Backend, "notify" | "refundDraft" | "refund" | "history" | "visitDetail" | "resend" | "pending" | "resolve" | "releaseSettlement" | "purge"> = {
  notify: async (d) => {
    await wait(300);
    const state = oneOf(STATES, d.medicalSettleState);
    if (!state) throw invalid("medicalSettleState", `结算状态无效：${d.medicalSettleState}`);
    const bizType = oneOf(BIZ_TYPES, d.bizType || fake.settings.bizType);
    if (!bizType) throw invalid("bizType", `业务场景无效：${d.bizType}`);
    const totalFee = amount("totalFee", d.totalFee);
    // 自费 carries no 医保 amounts at all, whatever the draft says: the
    // patient paid it all (the row's 自费 is its 总费用, as the journal lists it).
    const paid = state === "SUCCESS" || state === "REFUND_SUCCESS";
    const cash: Record<Part, string | null> = { ownAmt: totalFee, hifAmt: "0.00", acctAmt: "0.00", hifpAmt: null };
    const part = (k: Part) => (d.selfPay ? (paid ? cash[k] : null) : !d[k] ? null : amount(k, d[k]));
    const visit = fake.visits.get(d.outBizNo);
    const receipt = record({
      visitId: visit?.visitId ?? null, originalId: null, outBizNo: d.outBizNo, authNo: d.authNo ?? null,
      state, officeId: d.officeId ?? null, officeName: d.officeName ?? null, doctorName: d.doctorName ?? null,
      bizType, userName: visit?.identity.userName ?? null, idNo: visit?.identity.idNo ?? null, selfPay: d.selfPay, totalFee,
      ownAmt: part("ownAmt"), hifAmt: part("hifAmt"), acctAmt: part("acctAmt"), hifpAmt: part("hifpAmt"),
      medicalSettleNo: d.selfPay ? null : (d.medicalSettleNo ?? null), failReason: d.failReason ?? null,
      setlTime: d.setlTime || now(),
      refundedFee: state === "SUCCESS" ? "0.00" : null, refundableFee: state === "SUCCESS" ? totalFee : null, source: "panel",
      credential: visit?.credential ?? "face",
    });
    log(actor(), "notify", `settlement:${receipt.settlementId}`, `${state} ${totalFee}`);
    return receipt;
  },
  refundDraft: async (settlementId) => {
    const o = original(settlementId);
    const refundable = o.refundableFee ?? o.totalFee;
    const request: RefundRequest = {
      settlementId, medicalSettleState: "REFUND_SUCCESS", totalFee: refundable, setlTime: now(),
      medicalSettleNo: o.medicalSettleNo, ownAmt: o.ownAmt, hifAmt: o.hifAmt, acctAmt: o.acctAmt, hifpAmt: o.hifpAmt,
      // The fake keeps no optional amounts, so there is nothing to prefill them with.
      hifmiAmt: null, cvlservAmt: null, maAmt: null, hosPreAmt: null, medOverLmtAmt: null, mafAmt: null, cvlservDedcAmt: null, balance: null,
      failReason: null, operatorId: null, operatorName: null,
    };
    return { original: o, refundable, request };
  },
  refund: async (q) => {
    await wait(300);
    const o = original(q.settlementId);
    if (q.medicalSettleState !== "REFUND_SUCCESS" && q.medicalSettleState !== "REFUND_FAIL") {
      throw invalid("medicalSettleState", "退费只能是退费成功或退费失败");
    }
    const ok = q.medicalSettleState === "REFUND_SUCCESS";
    // null takes the original's value, "" leaves the field out.
    const take = (v: string | null, from: string | null) => (v === null ? from : v || null);
    const totalFee = amount("totalFee", take(q.totalFee, o.refundableFee) ?? "");
    if (ok && (fen(totalFee) ?? 0) > (fen(o.refundableFee ?? "") ?? 0)) throw invalid("totalFee", `退费金额超过可退金额 ${o.refundableFee}`);
    if (o.selfPay) {
      const given = PARTS.find((k) => q[k]);
      if (given) throw invalid(given, "自费结算的退费不带医保金额");
    }
    const cash: Record<Part, string | null> = { ownAmt: totalFee, hifAmt: "0.00", acctAmt: "0.00", hifpAmt: null };
    const part = (k: Part) => {
      if (o.selfPay) return ok ? cash[k] : null;
      const v = take(q[k], o[k]);
      return ok && v !== null ? amount(k, v) : null;
    };
    const receipt = record({
      ...o, originalId: o.id, state: q.medicalSettleState, totalFee, setlTime: take(q.setlTime, null) ?? now(),
      ownAmt: part("ownAmt"), hifAmt: part("hifAmt"), acctAmt: part("acctAmt"), hifpAmt: part("hifpAmt"),
      medicalSettleNo: ok ? take(q.medicalSettleNo, o.medicalSettleNo) : null, failReason: ok ? null : take(q.failReason, null),
      refundedFee: null, refundableFee: null, source: "panel", credential: o.credential,
    });
    if (ok) {
      o.refundedFee = yuan((fen(o.refundedFee ?? "0") ?? 0) + (fen(totalFee) ?? 0));
      o.refundableFee = yuan((fen(o.refundableFee ?? "0") ?? 0) - (fen(totalFee) ?? 0));
    }
    log(actor(), "refund", `settlement:${receipt.settlementId}`, `of #${o.id} ${totalFee}`);
    return receipt;
  },
  history: async () => ({ rows: [...fake.rows], nextCursor: null }),
  visitDetail: async (outBizNo) => {
    const v = fake.visits.get(outBizNo);
    if (!v) throw notFound(`没有 ${outBizNo}`);
    const at = fake.rows.find((r) => r.outBizNo === outBizNo)?.setlTime ?? now();
    const s = fake.settings;
    return {
      visit: {
        id: v.visitId, outBizNo, counterId: s.counterId, operatorId: s.operatorId, operatorName: s.operatorName,
        officeId: s.officeId, officeName: s.officeName, businessType: s.businessType, authNo: v.authNo,
        ...v.identity, identifiedAt: at, createdAt: at, source: v.source, credential: v.credential,
      },
      settlements: fake.rows.filter((r) => r.outBizNo === outBizNo).reverse(),
      calls: fake.calls.filter((c) => c.outBizNo === outBizNo),
    };
  },
  resend: async (id) => {
    log(actor(), "resend_notify", `settlement:${id}`);
    return delivered(id, 2);
  },
  /** F4 on a settlement the HIS pushed and the counter holds for the cashier. */
  releaseSettlement: async (settlementId) => {
    await wait(300);
    const r = fake.rows.find((x) => x.id === settlementId);
    if (r?.delivery !== "held") throw invalid("settlementId", `结算 ${settlementId} 不在等待收款员确认的状态`);
    r.delivery = "delivered";
    log(actor(), "release_notify", `settlement:${settlementId}`);
    return delivered(settlementId, 1);
  },
  pending: async () => fake.calls,
  resolve: async (id, resolution, reason) => {
    if (!reason.trim()) throw invalid("reason", "请填写确认原因");
    const i = fake.calls.findIndex((c) => c.id === id);
    if (i < 0) throw notFound(`没有调用 ${id}`);
    log(actor(), "resolve_unknown", `call:${id}`, `${resolutionLabel(resolution)}：${reason.trim()}`);
    return fake.calls.splice(i, 1)[0];
  },
  /** 清除: the fake keeps only masked identities, so there is never anything to purge. */
  purge: async (days) => {
    if (days !== null && (days < 1 || days > 3650)) throw invalid("olderThanDays", "应在 1 到 3650 天之间");
    const purged = { visits: 0, settlements: 0 };
    log(actor(), "purge_identities", null, JSON.stringify(purged));
    return purged;
  },
};
