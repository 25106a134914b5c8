// An in-browser stand-in for the shell, for working on the UI without Rust
// (`npm run dev`). It keeps its records in memory and answers like the app,
// refund rules included; it validates only what the screens need to show.
// The HIS is played from the devtools console: `fakeHis.scan()` starts a
// scan as the HIS would through the bridge, `fakeHis.settle("86.40")` pushes
// its settlement (held for F4 when 设置 says 等收款员按 F4).

import type { BridgeInfo } from "../bindings/BridgeInfo";
import type { Call } from "../bindings/Call";
import type { DeliveryStatus } from "../bindings/DeliveryStatus";
import type { DaySummary } from "../bindings/DaySummary";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { HisActivity } from "../bindings/HisActivity";
import type { IpcError } from "../bindings/IpcError";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import type { RecentRequest } from "../bindings/RecentRequest";
import type { RefundRequest } from "../bindings/RefundRequest";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { SettlementRow } from "../bindings/SettlementRow";
import type { Source } from "../bindings/Source";
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
  centerUrl: "", faceAuthTimeout: 120, otherTimeout: 10, bridgeListen: "127.0.0.1:17321", hisNotify: "cashier",
};
/** Newest first, as 历史 lists them. */
const rows: SettlementRow[] = [];
const visits = new Map<string, FaceAuthOutcome & { source: Source }>();
const calls: Call[] = [];
let seq = 0;
let cancel: (() => void) | null = null;
const now = () => wireTime(localDateTime(new Date()));
/** The journal's stamp, to the millisecond. */
const stampNow = () => `${now()}.${String(new Date().getMilliseconds()).padStart(3, "0")}`;
const outBizNo = (n: number) => `H44170200001-W01-${today().replace(/-/g, "")}-${String(n).padStart(8, "0")}`;
const DEMO_IDENTITY = { userName: "陈**", idNo: "**************123X", idType: "居民身份证", gender: "男", age: 38, insuOrg: "441702" };

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

/** Record a settlement, delivered at once (the fake terminal never fails) unless held for F4. */
function record(row: Omit<SettlementRow, "id" | "operatorId" | "operatorName" | "businessDay" | "delivery">, delivery: DeliveryStatus = "delivered"): NotifyReceipt {
  const r: SettlementRow = { ...row, id: rows.length + 1, operatorId: settings.operatorId, operatorName: settings.operatorName, businessDay: today(), delivery };
  rows.unshift(r);
  return {
    settlementId: r.id, outBizNo: r.outBizNo, state: r.state, selfPay: r.selfPay, businessDay: r.businessDay, originalId: r.originalId, warnings: [],
    delivery: { settlementId: r.id, status: delivery, attempts: delivery === "delivered" ? 1 : 0, nextAttemptAt: null, lastError: null },
  };
}

// The HIS as the bridge would show it: its newest visit, the token, the requests it made.
let his: Omit<HisActivity, "settlements"> | null = null;
let token = "fpb_demo_0123456789abcdef0123456789";
const recent: RecentRequest[] = [];
const masked = (t: string) => `${t.slice(0, 4)}****${t.slice(-4)}`;
function request(method: string, path: string, status: number, code: string | null = null) {
  recent.unshift({ at: now(), method, path, status, millis: 3 + Math.floor(Math.random() * 40), client: "127.0.0.1 HIS-Demo/1.0", code });
  recent.splice(50);
}
const bridgeInfo = (): BridgeInfo => ({
  listen: settings.bridgeListen || null, serving: settings.bridgeListen || null, error: null,
  tokenMasked: settings.bridgeListen ? masked(token) : null, tokenFile: settings.bridgeListen ? "/tmp/facepay/bridge-token" : null,
  tokenFromEnvironment: false, hisNotify: settings.hisNotify, recent: [...recent],
});

/** The HIS, played from the console (see the top of this file). */
const fakeHis = {
  /** POST /v1/face-auth: the patient is identified after `ms`. */
  scan(ms = 4000) {
    seq += 1;
    const v = { visitId: seq, outBizNo: outBizNo(seq), authNo: `ano${String(seq).padStart(25, "0")}`, identity: DEMO_IDENTITY, source: "his" as const };
    his = { visitId: v.visitId, outBizNo: v.outBizNo, state: "scanning", startedAt: stampNow(), authNo: null, identity: null, errorCode: null, errorMessage: null };
    setTimeout(() => {
      if (his?.visitId !== v.visitId) return;
      his = { ...his, state: "identified", authNo: v.authNo, identity: v.identity };
      visits.set(v.outBizNo, v);
      request("POST", "/v1/face-auth", 201);
    }, ms);
    return v.outBizNo;
  },
  /** POST /v1/face-auth ending in the terminal's refusal. */
  fail(message = "用户取消刷脸") {
    fakeHis.scan(60_000);
    if (his) his = { ...his, state: "failed", errorCode: "-2", errorMessage: message };
    request("POST", "/v1/face-auth", 502, "terminal");
  },
  /** POST /v1/settlements for the HIS's newest identified visit. */
  settle(totalFee = "86.40") {
    if (!his || his.state !== "identified") {
      request("POST", "/v1/settlements", 404, "not_found");
      return null;
    }
    const r = record({
      visitId: his.visitId, originalId: null, outBizNo: his.outBizNo, authNo: his.authNo, state: "SUCCESS",
      officeId: settings.officeId, officeName: settings.officeName, doctorName: null, bizType: "register",
      userName: "陈**", idNo: "**************123X", selfPay: false, totalFee: amount("totalFee", totalFee),
      ownAmt: null, hifAmt: null, acctAmt: null, hifpAmt: null, medicalSettleNo: "441700G0000077777777", failReason: null,
      setlTime: now(), refundedFee: "0.00", refundableFee: amount("totalFee", totalFee), source: "his",
    }, settings.hisNotify === "cashier" ? "held" : "delivered");
    request("POST", "/v1/settlements", 201);
    return r;
  },
};
declare global {
  interface Window { fakeHis?: typeof fakeHis }
}
// Only where the fake is the backend: inside Tauri the real HIS drives the panel.
if (typeof window !== "undefined" && !("__TAURI_INTERNALS__" in window)) window.fakeHis = fakeHis;

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
    undelivered: rows.filter((r) => r.delivery !== "delivered").length, pending: calls.length, operatorName: settings.operatorName,
    clockWarning: null, journalReadOnly: null, held: rows.filter((r) => r.delivery === "held").length,
    bridge: settings.bridgeListen || null, bridgeError: null,
  }),
  uiReady: async () => 0,
  openRecords: async (tab) => { location.hash = `#/records/${tab}`; },
  setAlwaysOnTop: async () => {},
  faceAuth: () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        seq += 1;
        const v: FaceAuthOutcome = { visitId: seq, outBizNo: outBizNo(seq), authNo: `ano${String(seq).padStart(25, "0")}`, identity: DEMO_IDENTITY };
        visits.set(v.outBizNo, { ...v, source: "panel" });
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
      refundedFee: state === "SUCCESS" ? "0.00" : null, refundableFee: state === "SUCCESS" ? totalFee : null, source: "panel",
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
      refundedFee: null, refundableFee: null, source: "panel",
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
        ...v.identity, identifiedAt: at, createdAt: at, source: v.source,
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
  export: async (req, onProgress) => { onProgress(rows.length); return { rows: rows.length, file: `/tmp/结算明细_${req.from}_${req.to}.${req.format}` }; },
  pending: async () => calls,
  resolve: async (id) => { const i = calls.findIndex((c) => c.id === id); return calls.splice(i, 1)[0]; },
  getSettings: async () => settings,
  saveSettings: async (form) => { settings = form; return fakeBackend.appInfo(); },
  testConnection: async () => ({ ok: true, message: "连接正常：浏览器假后端" }),
  bridgeInfo: async () => bridgeInfo(),
  copyBridgeToken: async () => token,
  rotateBridgeToken: async () => {
    token = `fpb_${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
    return bridgeInfo();
  },
  hisActivity: async () =>
    his && { ...his, settlements: rows.filter((r) => r.visitId === his?.visitId).reverse() },
  releaseSettlement: async (settlementId) => {
    await wait(300);
    const r = rows.find((x) => x.id === settlementId);
    if (!r || r.delivery !== "held") throw invalid("settlementId", `结算 ${settlementId} 不在等待收款员确认的状态`);
    r.delivery = "delivered";
    return { settlementId, status: "delivered", attempts: 1, nextAttemptAt: null, lastError: null };
  },
};
