// An in-browser stand-in for the shell, for working on the UI without Rust
// (`npm run dev`). It keeps its records in memory and answers like the app.

import type { Call } from "../bindings/Call";
import type { DaySummary } from "../bindings/DaySummary";
import type { SettlementRow } from "../bindings/SettlementRow";
import type { SettingsForm } from "../bindings/SettingsForm";
import { fen, yuan } from "../money";
import type { Backend } from "./index";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
let settings: SettingsForm = {
  orgId: "H44170200001", hospitalName: "阳江市妇幼保健院（演示）", counterId: "W01",
  operatorId: "0001", operatorName: "演示收款员", officeId: "0001", officeName: "挂号收费处",
  businessType: "01101", bizType: "register", transport: "simulator", httpUrl: "", libraryPath: "",
  centerUrl: "", faceAuthTimeout: 120, otherTimeout: 10,
};
const rows: SettlementRow[] = [];
const calls: Call[] = [];
let seq = 0;
let cancel: (() => void) | null = null;
const today = () => new Date().toISOString().slice(0, 10);

export const fakeBackend: Backend = {
  appInfo: async () => ({
    version: "dev", demo: settings.transport === "simulator", transport: "浏览器假后端",
    hospitalName: settings.hospitalName, counterId: settings.counterId, operatorId: settings.operatorId,
    operatorName: settings.operatorName, officeName: settings.officeName, exportDir: "/tmp", startupError: null,
  }),
  status: async () => ({
    demo: true, transport: "浏览器假后端", reachable: true, unreachableReason: null,
    undelivered: 0, pending: calls.length, operatorName: settings.operatorName,
  }),
  uiReady: async () => 0,
  openRecords: async (tab) => { location.hash = `#/records/${tab}`; },
  setAlwaysOnTop: async () => {},
  faceAuth: () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        seq += 1;
        resolve({
          visitId: seq, outBizNo: `H44170200001-W01-${today().replace(/-/g, "")}-${String(seq).padStart(8, "0")}`,
          authNo: `ano${String(seq).padStart(25, "0")}`,
          identity: { userName: "陈**", idNo: "441***********123X", idType: "居民身份证", gender: "男", birthday: "1988.03.14", age: 38, insuOrg: "441702" },
        });
      }, 1500);
      cancel = () => { clearTimeout(timer); reject({ code: "cancelled", message: "已取消等待", field: null, advice: null }); };
    }),
  cancelFaceAuth: async () => { cancel?.(); cancel = null; return true; },
  fetchIdentity: async () => { throw { code: "not_found", message: "假后端不支持", field: null, advice: null }; },
  revealIdentity: async () => ({ userName: "陈家明", idNo: "44170219880314123X" }),
  notify: async (d) => {
    await wait(300);
    if (fen(d.totalFee) === null) throw { code: "validation", message: "字段 totalFee（总费用）金额无效", field: "totalFee", advice: "请更正标出的字段后再提交" };
    rows.unshift({
      id: rows.length + 1, visitId: null, originalId: null, outBizNo: d.outBizNo, authNo: d.authNo ?? null,
      state: d.medicalSettleState, operatorId: settings.operatorId, operatorName: settings.operatorName,
      officeId: d.officeId ?? null, officeName: d.officeName ?? null, doctorName: d.doctorName ?? null,
      bizType: d.bizType || settings.bizType, userName: "陈**", idNo: "**************123X", totalFee: d.totalFee,
      ownAmt: d.ownAmt ?? null, hifAmt: d.hifAmt ?? null, acctAmt: d.acctAmt ?? null, hifpAmt: d.hifpAmt ?? null,
      medicalSettleNo: d.medicalSettleNo ?? null, failReason: d.failReason ?? null,
      setlTime: `${today()} 10:00:00`, businessDay: today(), delivery: "delivered",
    });
    return {
      settlementId: rows.length, outBizNo: d.outBizNo, state: d.medicalSettleState, businessDay: today(),
      originalId: null, warnings: [],
      delivery: { settlementId: rows.length, status: "delivered", attempts: 1, nextAttemptAt: null, lastError: null },
    };
  },
  history: async () => ({ rows, nextCursor: null }),
  visitDetail: async (outBizNo) => { throw { code: "not_found", message: `没有 ${outBizNo}`, field: null, advice: null }; },
  resend: async (id) => ({ settlementId: id, status: "delivered", attempts: 2, nextAttemptAt: null, lastError: null }),
  summary: async (date) => {
    const day = rows.filter((r) => r.businessDay === date && r.state === "SUCCESS");
    if (!day.length) return [];
    const sum = (k: "totalFee" | "hifAmt" | "acctAmt" | "ownAmt") => yuan(day.reduce((a, r) => a + (fen(r[k] ?? "0") ?? 0), 0));
    const totals = { count: day.length, totalFee: sum("totalFee"), hifAmt: sum("hifAmt"), acctAmt: sum("acctAmt"), ownAmt: sum("ownAmt") };
    const s: DaySummary = { operatorId: settings.operatorId, operatorName: settings.operatorName, businessDay: date, byState: [{ state: "SUCCESS", ...totals }], net: totals, closedAt: null, closedBy: null };
    return [s];
  },
  closeDay: async (date) => ({ ...(await fakeBackend.summary(date))[0], closedAt: `${date} 18:00:00`, closedBy: settings.operatorId }),
  chooseExportPath: async (name) => `/tmp/${name}`,
  export: async (req, onProgress) => { onProgress(rows.length); return { rows: rows.length, file: req.path ?? "/tmp/export" }; },
  pending: async () => calls,
  resolve: async (id) => { const i = calls.findIndex((c) => c.id === id); return calls.splice(i, 1)[0]; },
  getSettings: async () => settings,
  saveSettings: async (form) => { settings = form; return fakeBackend.appInfo(); },
  testConnection: async () => ({ ok: true, message: "连接正常：浏览器假后端" }),
};
