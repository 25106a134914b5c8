// An in-browser stand-in for the shell, for working on the UI without Rust
// (`npm run dev`). It keeps its records in memory and answers like the app,
// refund rules included; it validates only what the screens need to show.

import type { Call } from "../bindings/Call";
import type { DaySummary } from "../bindings/DaySummary";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { IpcError } from "../bindings/IpcError";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import type { RefundRequest } from "../bindings/RefundRequest";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { SettlementRow } from "../bindings/SettlementRow";
import type { StateTotals } from "../bindings/StateTotals";
import type { Totals } from "../bindings/Totals";
import { BIZ_TYPES, STATES } from "../labels";
import { fen, yuan } from "../money";
import { localDateTime, today, wireTime } from "../time";
import type { Backend } from "./index";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
let settings: SettingsForm = {
  orgId: "H44170200001", hospitalName: "阳江市妇幼保健院（演示）", counterId: "W01",
  operatorId: "0001", operatorName: "演示收款员", officeId: "0001", officeName: "挂号收费处",
  businessType: "01101", bizType: "register", transport: "simulator", httpUrl: "", httpCharset: "utf-8", libraryPath: "",
  centerUrl: "", faceAuthTimeout: 120, otherTimeout: 10,
};
/** Newest first, as 历史 lists them. */
const rows: SettlementRow[] = [];
const visits = new Map<string, FaceAuthOutcome>();
const calls: Call[] = [];
let seq = 0;
let cancel: (() => void) | null = null;
const now = () => wireTime(localDateTime(new Date()));

const invalid = (field: string, message: string): IpcError => ({ code: "validation", message, field, advice: "请更正标出的字段后再提交" });
const notFound = (message: string): IpcError => ({ code: "not_found", message, field: null, advice: null });
type Part = "ownAmt" | "hifAmt" | "acctAmt" | "hifpAmt";
const PARTS: Part[] = ["ownAmt", "hifAmt", "acctAmt", "hifpAmt"];
const oneOf = <T extends string>(table: [T, string][], code: string) => table.find(([c]) => c === code)?.[0] ?? null;
/** An amount as the backend keeps it: "30" → "30.00". */
const amount = (field: string, text: string) => {
  const f = fen(text);
  if (f === null) throw invalid(field, `字段 ${field} 金额无效：${text}`);
  return yuan(f);
};

/** Record a settlement, delivered at once (the fake terminal never fails). */
function record(row: Omit<SettlementRow, "id" | "operatorId" | "operatorName" | "businessDay" | "delivery">): NotifyReceipt {
  const r: SettlementRow = { ...row, id: rows.length + 1, operatorId: settings.operatorId, operatorName: settings.operatorName, businessDay: today(), delivery: "delivered" };
  rows.unshift(r);
  return {
    settlementId: r.id, outBizNo: r.outBizNo, state: r.state, selfPay: r.selfPay, businessDay: r.businessDay, originalId: r.originalId, warnings: [],
    delivery: { settlementId: r.id, status: "delivered", attempts: 1, nextAttemptAt: null, lastError: null },
  };
}

function original(settlementId: number): SettlementRow {
  const o = rows.find((r) => r.id === settlementId);
  if (!o) throw notFound(`没有结算记录 ${settlementId}`);
  if (o.state !== "SUCCESS" || (fen(o.refundableFee ?? "") ?? 0) <= 0) {
    throw { code: "invalid_input", message: `结算 #${o.id} 没有可退的金额`, field: "settlementId", advice: null } satisfies IpcError;
  }
  return o;
}

/** Refunds net against successes: SUCCESS counts +1, REFUND_SUCCESS −1. */
const sign = (r: SettlementRow) => (r.state === "SUCCESS" ? 1 : r.state === "REFUND_SUCCESS" ? -1 : 0);
function totals(rs: SettlementRow[], weight: (r: SettlementRow) => number): Totals {
  const sum = (k: "totalFee" | "hifAmt" | "acctAmt" | "ownAmt") => yuan(rs.reduce((a, r) => a + weight(r) * (fen(r[k] ?? "0") ?? 0), 0));
  return { count: rs.reduce((a, r) => a + weight(r), 0), totalFee: sum("totalFee"), hifAmt: sum("hifAmt"), acctAmt: sum("acctAmt"), ownAmt: sum("ownAmt") };
}

export const fakeBackend: Backend = {
  appInfo: async () => ({
    version: "dev", demo: settings.transport === "simulator", transport: "浏览器假后端", transportKind: settings.transport,
    hospitalName: settings.hospitalName, counterId: settings.counterId, operatorId: settings.operatorId,
    operatorName: settings.operatorName, officeId: settings.officeId, officeName: settings.officeName, exportDir: "/tmp", startupError: null,
  }),
  status: async () => ({
    demo: true, transport: "浏览器假后端", reachable: true, unreachableReason: null,
    undelivered: 0, pending: calls.length, operatorName: settings.operatorName, clockWarning: null, journalReadOnly: null,
  }),
  uiReady: async () => 0,
  openRecords: async (tab) => { location.hash = `#/records/${tab}`; },
  setAlwaysOnTop: async () => {},
  faceAuth: () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        seq += 1;
        const v: FaceAuthOutcome = {
          visitId: seq, outBizNo: `H44170200001-W01-${today().replace(/-/g, "")}-${String(seq).padStart(8, "0")}`,
          authNo: `ano${String(seq).padStart(25, "0")}`,
          identity: { userName: "陈**", idNo: "441***********123X", idType: "居民身份证", gender: "男", birthday: "1988.03.14", age: 38, insuOrg: "441702" },
        };
        visits.set(v.outBizNo, v);
        resolve(v);
      }, 1500);
      cancel = () => { clearTimeout(timer); reject({ code: "cancelled", message: "已取消等待", field: null, advice: null } satisfies IpcError); };
    }),
  cancelFaceAuth: async () => { cancel?.(); cancel = null; return true; },
  fetchIdentity: async () => { throw notFound("假后端不支持"); },
  revealIdentity: async () => ({ userName: "陈家明", idNo: "44170219880314123X" }),
  notify: async (d) => {
    await wait(300);
    const state = oneOf(STATES, d.medicalSettleState);
    if (!state) throw invalid("medicalSettleState", `结算状态无效：${d.medicalSettleState}`);
    const bizType = oneOf(BIZ_TYPES, d.bizType || settings.bizType);
    if (!bizType) throw invalid("bizType", `业务场景无效：${d.bizType}`);
    const totalFee = amount("totalFee", d.totalFee);
    // 自费 carries no 医保 amounts at all, whatever the draft says.
    const part = (k: Part) => (d.selfPay || !d[k] ? null : amount(k, d[k]));
    return record({
      visitId: visits.get(d.outBizNo)?.visitId ?? null, originalId: null, outBizNo: d.outBizNo, authNo: d.authNo ?? null,
      state, officeId: d.officeId ?? null, officeName: d.officeName ?? null, doctorName: d.doctorName ?? null,
      bizType, userName: "陈**", idNo: "**************123X", selfPay: d.selfPay, totalFee,
      ownAmt: part("ownAmt"), hifAmt: part("hifAmt"), acctAmt: part("acctAmt"), hifpAmt: part("hifpAmt"),
      medicalSettleNo: d.selfPay ? null : (d.medicalSettleNo ?? null), failReason: d.failReason ?? null,
      setlTime: d.setlTime || now(),
      refundedFee: state === "SUCCESS" ? "0.00" : null, refundableFee: state === "SUCCESS" ? totalFee : null,
    });
  },
  refundDraft: async (settlementId) => {
    const o = original(settlementId);
    const refundable = o.refundableFee ?? o.totalFee;
    const request: RefundRequest = {
      settlementId, medicalSettleState: "REFUND_SUCCESS", totalFee: refundable, setlTime: now(),
      medicalSettleNo: o.medicalSettleNo, ownAmt: o.ownAmt, hifAmt: o.hifAmt, acctAmt: o.acctAmt, hifpAmt: o.hifpAmt,
      // The fake keeps no optional amounts, so there is nothing to prefill them with.
      hifmiAmt: null, cvlservAmt: null, maAmt: null, hosPreAmt: null, medOverLmtAmt: null, mafAmt: null, cvlservDedcAmt: null, balance: null,
      failReason: null,
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
    const part = (k: Part) => {
      const v = take(q[k], o[k]);
      return ok && v !== null ? amount(k, v) : null;
    };
    const receipt = record({
      ...o, originalId: o.id, state: q.medicalSettleState, totalFee, setlTime: take(q.setlTime, null) ?? now(),
      ownAmt: part("ownAmt"), hifAmt: part("hifAmt"), acctAmt: part("acctAmt"), hifpAmt: part("hifpAmt"),
      medicalSettleNo: ok ? take(q.medicalSettleNo, o.medicalSettleNo) : null, failReason: ok ? null : take(q.failReason, null),
      refundedFee: null, refundableFee: null,
    });
    if (ok) {
      o.refundedFee = yuan((fen(o.refundedFee ?? "0") ?? 0) + (fen(totalFee) ?? 0));
      o.refundableFee = yuan((fen(o.refundableFee ?? "0") ?? 0) - (fen(totalFee) ?? 0));
    }
    return receipt;
  },
  history: async () => ({ rows: [...rows], nextCursor: null }),
  visitDetail: async (outBizNo) => {
    const v = visits.get(outBizNo);
    if (!v) throw notFound(`没有 ${outBizNo}`);
    const at = rows.find((r) => r.outBizNo === outBizNo)?.setlTime ?? now();
    return {
      visit: {
        id: v.visitId, outBizNo, counterId: settings.counterId, operatorId: settings.operatorId, operatorName: settings.operatorName,
        officeId: settings.officeId, officeName: settings.officeName, businessType: settings.businessType, authNo: v.authNo,
        ...v.identity, identifiedAt: at, createdAt: at,
      },
      settlements: rows.filter((r) => r.outBizNo === outBizNo).reverse(),
      calls: calls.filter((c) => c.outBizNo === outBizNo),
    };
  },
  resend: async (id) => ({ settlementId: id, status: "delivered", attempts: 2, nextAttemptAt: null, lastError: null }),
  summary: async (date) => {
    const day = rows.filter((r) => r.businessDay === date);
    if (!day.length) return [];
    const byState: StateTotals[] = STATES.flatMap(([state]) =>
      [false, true].flatMap((selfPay) => {
        const rs = day.filter((r) => r.state === state && r.selfPay === selfPay);
        return rs.length ? [{ state, selfPay, ...totals(rs, () => 1) }] : [];
      }),
    );
    const s: DaySummary = {
      operatorId: settings.operatorId, operatorName: settings.operatorName, businessDay: date, byState,
      net: totals(day, sign), netInsured: totals(day.filter((r) => !r.selfPay), sign), netSelfPay: totals(day.filter((r) => r.selfPay), sign),
      closedAt: null, closedBy: null,
    };
    return [s];
  },
  closeDay: async (date) => ({ ...(await fakeBackend.summary(date))[0], closedAt: `${date} 18:00:00`, closedBy: settings.operatorId }),
  chooseExportPath: async (name) => `/tmp/${name}`,
  export: async (req, path, onProgress) => { onProgress(rows.length); return { rows: rows.length, file: path ?? `/tmp/结算明细_${req.from}_${req.to}.${req.format}` }; },
  pending: async () => calls,
  resolve: async (id) => { const i = calls.findIndex((c) => c.id === id); return calls.splice(i, 1)[0]; },
  getSettings: async () => settings,
  saveSettings: async (form) => { settings = form; return fakeBackend.appInfo(); },
  testConnection: async () => ({ ok: true, message: "连接正常：浏览器假后端" }),
};
