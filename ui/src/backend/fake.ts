// An in-browser stand-in for the shell, for working on the UI without Rust
// (`npm run dev`). It keeps its records in memory and answers like the app,
// refund rules included; it validates only what the screens need to show.
// The HIS is played from the devtools console: `fakeHis.scan()` starts a
// scan as the HIS would through the bridge (`fakeHis.qrcode()` its 医保码
// scan, POST /v1/qrcode), `fakeHis.settle("86.40")` pushes
// its settlement (held for F4 when 设置 says 等收款员按 F4).
// Operators as in the app: it starts with none (the first start creates the
// 管理员), checks PINs, locks a 工号 out after 5 wrong ones and the seat after
// IDLE_LOCK_MINUTES, refuses by role, and keeps an audit log. `?setup` in
// the address starts it on the setup screen.

import type { AuditEntry } from "../bindings/AuditEntry";
import type { BridgeInfo } from "../bindings/BridgeInfo";
import type { Call } from "../bindings/Call";
import type { Credential } from "../bindings/Credential";
import type { DeliveryStatus } from "../bindings/DeliveryStatus";
import type { DaySummary } from "../bindings/DaySummary";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { HisActivity } from "../bindings/HisActivity";
import type { IpcError } from "../bindings/IpcError";
import type { NewOperatorRequest } from "../bindings/NewOperatorRequest";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import type { OperatorInfo } from "../bindings/OperatorInfo";
import type { OperatorView } from "../bindings/OperatorView";
import type { RecentRequest } from "../bindings/RecentRequest";
import type { RevealedIdentity } from "../bindings/RevealedIdentity";
import type { RefundRequest } from "../bindings/RefundRequest";
import type { Role } from "../bindings/Role";
import type { SeatView } from "../bindings/SeatView";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { SettlementRow } from "../bindings/SettlementRow";
import type { ShiftSummary } from "../bindings/ShiftSummary";
import type { Source } from "../bindings/Source";
import type { StateTotals } from "../bindings/StateTotals";
import type { Totals } from "../bindings/Totals";
import { BIZ_TYPES, resolutionLabel, STATES } from "../labels";
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
const stampAt = (d: Date) => `${wireTime(localDateTime(d))}.${String(d.getMilliseconds()).padStart(3, "0")}`;
const stampNow = () => stampAt(new Date());
const outBizNo = (n: number) => `H44170200001-W01-${today().replace(/-/g, "")}-${String(n).padStart(8, "0")}`;
const DEMO_IDENTITY = { userName: "陈**", idNo: "**************123*", idType: "居民身份证", gender: "男", age: 38, ageLabel: "38岁", insuOrg: "441702" };
/** A 亲情账户 child read from a parent's phone. */
const DEMO_CHILD = { userName: "黄**", idNo: "**************241*", idType: "居民身份证", gender: "男", age: 1, ageLabel: "1岁", insuOrg: "441702" };
/** Every other fake face scan fails as a terminal that cannot use the face does. */
let faceTries = 0;
/** 医保码 scans alternate between the child and an adult whose face failed. */
let codeTries = 0;
/** What 显示 reveals, by the masked 证件号 the card shows. */
const FULL: Record<string, RevealedIdentity> = {
  [DEMO_IDENTITY.idNo]: { userName: "陈家明", idNo: "44170219880314123X", ageLabel: "38岁" },
  [DEMO_CHILD.idNo]: { userName: "黄梓睿", idNo: "441702202406182417", ageLabel: "1岁5个月" },
};

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
  const by = sitting?.operator;
  const r: SettlementRow = {
    ...row, id: rows.length + 1, operatorId: by?.id ?? settings.operatorId, operatorName: by?.name ?? settings.operatorName, businessDay: today(), delivery,
  };
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
  scan(ms = 4000, credential: Credential = "face") {
    seq += 1;
    const code = credential === "qrcode";
    const path = code ? "/v1/qrcode" : "/v1/face-auth";
    const v = {
      visitId: seq, outBizNo: outBizNo(seq), authNo: code ? null : `ano${String(seq).padStart(25, "0")}`,
      identity: code ? DEMO_CHILD : DEMO_IDENTITY, credential, source: "his" as const,
    };
    his = { visitId: v.visitId, outBizNo: v.outBizNo, state: "scanning", startedAt: stampNow(), authNo: null, identity: null, errorCode: null, errorMessage: null, credential };
    setTimeout(() => {
      if (his?.visitId !== v.visitId) return;
      his = { ...his, state: "identified", authNo: v.authNo, identity: v.identity };
      visits.set(v.outBizNo, v);
      request("POST", path, 201);
    }, ms);
    return v.outBizNo;
  },
  /** POST /v1/qrcode: a child's 医保码 (亲情账户), read after `ms`. */
  qrcode(ms = 4000) {
    return fakeHis.scan(ms, "qrcode");
  },
  /** POST /v1/face-auth ending in the terminal's refusal. */
  fail(message = "用户取消刷脸") {
    fakeHis.scan(60_000);
    if (his) his = { ...his, state: "failed", errorCode: "-2", errorMessage: message };
    request("POST", "/v1/face-auth", 502, "terminal");
  },
  /** POST /v1/settlements for the HIS's newest identified visit. */
  settle(totalFee = "86.40") {
    if (his?.state !== "identified") {
      request("POST", "/v1/settlements", 404, "not_found");
      return null;
    }
    const r = record({
      visitId: his.visitId, originalId: null, outBizNo: his.outBizNo, authNo: his.authNo, state: "SUCCESS",
      officeId: settings.officeId, officeName: settings.officeName, doctorName: null, bizType: "register",
      userName: his.identity?.userName ?? null, idNo: his.identity?.idNo ?? null, selfPay: false, totalFee: amount("totalFee", totalFee),
      ownAmt: null, hifAmt: null, acctAmt: null, hifpAmt: null, medicalSettleNo: "441700G0000077777777", failReason: null,
      setlTime: now(), refundedFee: "0.00", refundableFee: amount("totalFee", totalFee), source: "his", credential: his.credential,
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


// Who sits at the counter, as facepay-core's Seat and operators keep it.
/** As `[counter] idle_lock_minutes` defaults. */
const IDLE_LOCK_MINUTES = 5;
const PIN_ATTEMPTS = 5;
const PIN_LOCKOUT_MS = 5 * 60_000;
type FakeOperator = OperatorInfo & { pin: string; failed: number };
const operators = new Map<string, FakeOperator>();
/** `firstRow`: the last settlement id before the shift began. */
type Sitting = { operator: OperatorView; shiftStart: string; firstRow: number; lastActive: number; locked: boolean };
let sitting: Sitting | null = null;
const audit: AuditEntry[] = [];
let startupError: string | null =
  typeof location !== "undefined" && new URLSearchParams(location.search).has("setup") ? "演示：设置文件有误（地址带 ?setup）" : null;

const fail = (code: ErrorCode, message: string, advice: string | null = null, field: string | null = null): IpcError => ({ code, message, field, advice });
const SIGN_IN_ADVICE = "请用本人的工号和 PIN 登录";
function log(operatorId: string, action: string, subject: string | null = null, detail: string | null = null) {
  audit.push({ id: audit.length + 1, at: stampNow(), operatorId, action, subject, detail });
}
/** Whom an action is attributed to. */
const actor = () => sitting?.operator.id ?? (startupError ? "setup" : settings.operatorId);

function lapse() {
  if (sitting && !sitting.locked && Date.now() - sitting.lastActive >= IDLE_LOCK_MINUTES * 60_000) sitting.locked = true;
}
/** The seated operator allowed `role`'s work; `touch`: counts as activity (a click, not a poll). */
function require(role: Role, touch = true): OperatorView {
  lapse();
  if (!sitting) throw fail("not_signed_in", "请先登录", SIGN_IN_ADVICE);
  if (sitting.locked) throw fail("seat_locked", "收银台已锁定，请输入 PIN 解锁", SIGN_IN_ADVICE, "pin");
  if (role === "admin" && sitting.operator.role !== "admin") throw fail("forbidden", "此操作需要管理员权限", "请管理员登录后操作");
  if (touch) sitting.lastActive = Date.now();
  return sitting.operator;
}
const seatView = (): SeatView => {
  lapse();
  return { operator: sitting?.operator ?? null, locked: sitting?.locked ?? false, needsFirstAdmin: !sitting && operators.size === 0, idleLockMinutes: IDLE_LOCK_MINUTES };
};

function staffId(id: string, field = "staffId"): string {
  const v = id.trim();
  if (!v) throw invalid(field, "请输入工号");
  if (!/^[A-Za-z0-9_-]{1,20}$/.test(v)) throw invalid(field, "工号应为 1–20 位字母、数字、“-”或“_”");
  return v;
}
function pinOf(pin: string, field = "pin"): string {
  if (!/^\d{4,12}$/.test(pin)) throw invalid(field, "PIN 应为 4–12 位数字");
  return pin;
}
function nameOf(name: string): string {
  if (!name.trim()) throw invalid("name", "请输入姓名");
  return name.trim();
}
const viewOf = (o: FakeOperator): OperatorView => ({ id: o.id, name: o.name, role: o.role });
const infoOf = ({ pin: _pin, failed: _failed, ...o }: FakeOperator): OperatorInfo => ({ ...o });
const wrongPin = (left: number) => fail("wrong_pin", `工号或 PIN 不正确（再错 ${left} 次将锁定 5 分钟）`, "请核对工号和 PIN；忘记 PIN 请找管理员重置", "pin");
const pinLocked = (until: string) => fail("pin_locked", `PIN 错误次数过多，工号已锁定至 ${until.slice(11, 16)}`, "请稍后再试，或请管理员重置 PIN");

/** Check a PIN: unknown and disabled 工号 answer like a wrong PIN; wrong ones count towards a lockout. */
function authenticate(id: string, pin: string): OperatorView {
  const o = operators.get(id.trim());
  if (!o?.active) {
    log(id, "sign_in_failed", null, "unknown");
    throw wrongPin(PIN_ATTEMPTS);
  }
  if (o.lockedUntil && o.lockedUntil > stampNow()) throw pinLocked(o.lockedUntil);
  if (o.pin !== pin) {
    o.failed += 1;
    if (o.failed >= PIN_ATTEMPTS) {
      o.failed = 0;
      o.lockedUntil = stampAt(new Date(Date.now() + PIN_LOCKOUT_MS));
      log(o.id, "pin_locked");
      throw pinLocked(o.lockedUntil);
    }
    log(o.id, "sign_in_failed");
    throw wrongPin(PIN_ATTEMPTS - o.failed);
  }
  o.failed = 0;
  o.lockedUntil = null;
  return viewOf(o);
}
function sit(operator: OperatorView) {
  const previous = sitting?.operator;
  const shift = Math.floor(Math.random() * 1e6);
  log(operator.id, "sign_in", `shift:${shift}`, previous && previous.id !== operator.id ? `接替 ${previous.id}` : null);
  sitting = { operator, shiftStart: stampNow(), firstRow: rows.length, lastActive: Date.now(), locked: false };
}
function insert(r: NewOperatorRequest, by: string): FakeOperator {
  const id = staffId(r.id, "id");
  if (operators.has(id)) throw fail("invalid_input", `工号 ${id} 已存在：请换一个工号，或在列表中修改这位操作员`, null, "id");
  const o: FakeOperator = { id, name: nameOf(r.name), role: r.role, active: true, lockedUntil: null, createdAt: stampNow(), createdBy: by, pin: pinOf(r.pin), failed: 0 };
  operators.set(id, o);
  return o;
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
function summarize(rs: SettlementRow[]): Pick<DaySummary, "byState" | "net" | "netInsured" | "netSelfPay"> {
  const byState: StateTotals[] = STATES.flatMap(([state]) =>
    [false, true].flatMap((selfPay) => {
      const some = rs.filter((r) => r.state === state && r.selfPay === selfPay);
      return some.length ? [{ state, selfPay, ...totals(some, () => 1) }] : [];
    }),
  );
  return { byState, net: totals(rs, sign), netInsured: totals(rs.filter((r) => !r.selfPay), sign), netSelfPay: totals(rs.filter((r) => r.selfPay), sign) };
}
function shiftSoFar(): ShiftSummary {
  const op = require("cashier");
  const from = sitting?.firstRow ?? 0;
  const mine = rows.filter((r) => r.id > from && r.operatorId === op.id);
  return { operatorId: op.id, operatorName: op.name, startedAt: sitting?.shiftStart ?? stampNow(), endedAt: null, ...summarize(mine) };
}

/** Every command, unguarded: `fakeBackend` below admits callers as the shell does. */
const desk: Backend = {
  appInfo: async () => ({
    version: "dev", demo: settings.transport === "simulator", transport: "浏览器假后端", transportKind: settings.transport,
    hospitalName: settings.hospitalName, counterId: settings.counterId, operatorId: sitting?.operator.id ?? settings.operatorId,
    operatorName: sitting?.operator.name ?? settings.operatorName, officeId: settings.officeId, officeName: settings.officeName, exportDir: "/tmp", startupError,
  }),
  status: async () => ({
    demo: true, transport: "浏览器假后端", reachable: true, unreachableReason: null,
    undelivered: rows.filter((r) => r.delivery !== "delivered").length, pending: calls.length, operatorName: sitting?.operator.name ?? settings.operatorName,
    seat: seatView(), clockWarning: null, journalReadOnly: null, held: rows.filter((r) => r.delivery === "held").length,
    bridge: settings.bridgeListen || null, bridgeError: null,
  }),
  uiReady: async () => 0,
  openRecords: async (tab) => { location.hash = `#/records/${tab}`; },
  setAlwaysOnTop: async () => {},
  faceAuth: () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        seq += 1;
        faceTries += 1;
        if (faceTries % 2 === 0) {
          reject({
            code: "terminal", message: "终端返回错误（代码 2002）：人脸识别失败：无法识别人脸，请改用医保码", field: null,
            advice: "终端无法识别人脸：请改用医保码（F3），请患者或家长出示医保电子凭证", fallback: "qrcode",
          } satisfies IpcError);
          return;
        }
        const v: FaceAuthOutcome = { visitId: seq, outBizNo: outBizNo(seq), authNo: `ano${String(seq).padStart(25, "0")}`, credential: "face", identity: DEMO_IDENTITY };
        visits.set(v.outBizNo, { ...v, source: "panel" });
        resolve(v);
      }, 1500);
      cancel = () => { clearTimeout(timer); reject({ code: "cancelled", message: "已取消等待", field: null, advice: null } satisfies IpcError); };
    }),
  qrcode: () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        seq += 1;
        codeTries += 1;
        const identity = codeTries % 2 === 1 ? DEMO_CHILD : DEMO_IDENTITY;
        const v: FaceAuthOutcome = { visitId: seq, outBizNo: outBizNo(seq), authNo: null, credential: "qrcode", identity };
        visits.set(v.outBizNo, { ...v, source: "panel" });
        resolve(v);
      }, 1500);
      cancel = () => { clearTimeout(timer); reject({ code: "cancelled", message: "已取消等待", field: null, advice: null } satisfies IpcError); };
    }),
  cancelFaceAuth: async () => { cancel?.(); cancel = null; return true; },
  fetchIdentity: async () => { throw notFound("假后端不支持"); },
  revealIdentity: async (visitId) => {
    log(actor(), "reveal_identity", `visit:${visitId}`);
    const v = [...visits.values()].find((x) => x.visitId === visitId);
    return FULL[v?.identity.idNo ?? ""] ?? FULL[DEMO_IDENTITY.idNo];
  },
  notify: async (d) => {
    await wait(300);
    const state = oneOf(STATES, d.medicalSettleState);
    if (!state) throw invalid("medicalSettleState", `结算状态无效：${d.medicalSettleState}`);
    const bizType = oneOf(BIZ_TYPES, d.bizType || settings.bizType);
    if (!bizType) throw invalid("bizType", `业务场景无效：${d.bizType}`);
    const totalFee = amount("totalFee", d.totalFee);
    // 自费 carries no 医保 amounts at all, whatever the draft says: the
    // patient paid it all (the row's 自费 is its 总费用, as the journal lists it).
    const paid = state === "SUCCESS" || state === "REFUND_SUCCESS";
    const cash: Record<Part, string | null> = { ownAmt: totalFee, hifAmt: "0.00", acctAmt: "0.00", hifpAmt: null };
    const part = (k: Part) => (d.selfPay ? (paid ? cash[k] : null) : !d[k] ? null : amount(k, d[k]));
    const receipt = record({
      visitId: visits.get(d.outBizNo)?.visitId ?? null, originalId: null, outBizNo: d.outBizNo, authNo: d.authNo ?? null,
      state, officeId: d.officeId ?? null, officeName: d.officeName ?? null, doctorName: d.doctorName ?? null,
      bizType, userName: visits.get(d.outBizNo)?.identity.userName ?? null, idNo: visits.get(d.outBizNo)?.identity.idNo ?? null, selfPay: d.selfPay, totalFee,
      ownAmt: part("ownAmt"), hifAmt: part("hifAmt"), acctAmt: part("acctAmt"), hifpAmt: part("hifpAmt"),
      medicalSettleNo: d.selfPay ? null : (d.medicalSettleNo ?? null), failReason: d.failReason ?? null,
      setlTime: d.setlTime || now(),
      refundedFee: state === "SUCCESS" ? "0.00" : null, refundableFee: state === "SUCCESS" ? totalFee : null, source: "panel",
      credential: visits.get(d.outBizNo)?.credential ?? "face",
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
  history: async () => ({ rows: [...rows], nextCursor: null }),
  visitDetail: async (outBizNo) => {
    const v = visits.get(outBizNo);
    if (!v) throw notFound(`没有 ${outBizNo}`);
    const at = rows.find((r) => r.outBizNo === outBizNo)?.setlTime ?? now();
    return {
      visit: {
        id: v.visitId, outBizNo, counterId: settings.counterId, operatorId: settings.operatorId, operatorName: settings.operatorName,
        officeId: settings.officeId, officeName: settings.officeName, businessType: settings.businessType, authNo: v.authNo,
        ...v.identity, identifiedAt: at, createdAt: at, source: v.source, credential: v.credential,
      },
      settlements: rows.filter((r) => r.outBizNo === outBizNo).reverse(),
      calls: calls.filter((c) => c.outBizNo === outBizNo),
    };
  },
  resend: async (id) => {
    log(actor(), "resend_notify", `settlement:${id}`);
    return { settlementId: id, status: "delivered", attempts: 2, nextAttemptAt: null, lastError: null };
  },
  summary: async (date) => {
    const day = rows.filter((r) => r.businessDay === date);
    const ids = [...new Set(day.map((r) => r.operatorId))];
    return ids.map((id): DaySummary => {
      const mine = day.filter((r) => r.operatorId === id);
      return { operatorId: id, operatorName: mine[0].operatorName, businessDay: date, ...summarize(mine), closedAt: null, closedBy: null };
    });
  },
  closeDay: async (date) => {
    log(actor(), "close_day", `${actor()}:${date}`);
    const mine = (await desk.summary(date)).find((s) => s.operatorId === actor());
    const empty = { count: 0, refundCount: 0, totalFee: "0.00", hifAmt: "0.00", acctAmt: "0.00", ownAmt: "0.00" };
    const s = mine ?? { operatorId: actor(), operatorName: sitting?.operator.name ?? "", businessDay: date, byState: [], net: empty, netInsured: empty, netSelfPay: empty, closedAt: null, closedBy: null };
    return { ...s, closedAt: `${date} 18:00:00`, closedBy: actor() };
  },
  export: async (req, onProgress) => {
    onProgress(rows.length);
    log(actor(), "export", null, `${req.from}..${req.to} ${req.format}${req.unmasked ? " unmasked" : ""} ${rows.length} rows`);
    return { rows: rows.length, file: `/tmp/结算明细_${req.from}_${req.to}${req.unmasked ? "_未脱敏" : ""}.${req.format}` };
  },
  pending: async () => calls,
  resolve: async (id, resolution, reason) => {
    if (!reason.trim()) throw invalid("reason", "请填写确认原因");
    const i = calls.findIndex((c) => c.id === id);
    if (i < 0) throw notFound(`没有调用 ${id}`);
    log(actor(), "resolve_unknown", `call:${id}`, `${resolutionLabel(resolution)}：${reason.trim()}`);
    return calls.splice(i, 1)[0];
  },
  getSettings: async () => settings,
  saveSettings: async (form) => {
    settings = form;
    log(startupError ? "setup" : actor(), "save_settings", null, startupError ? "setup screen" : null);
    startupError = null;
    return desk.appInfo();
  },
  testConnection: async () => ({ ok: true, message: "连接正常：浏览器假后端" }),
  bridgeInfo: async () => bridgeInfo(),
  copyBridgeToken: async () => {
    log(actor(), "bridge_token_copied", null, "设置 → HIS 接口 → 复制");
    return token;
  },
  rotateBridgeToken: async () => {
    token = `fpb_${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
    log(actor(), "bridge_token_rotated", null, `设置 → HIS 接口 → 重新生成; now ${masked(token)}`);
    return bridgeInfo();
  },
  hisActivity: async () =>
    his && { ...his, settlements: rows.filter((r) => r.visitId === his?.visitId).reverse() },
  releaseSettlement: async (settlementId) => {
    await wait(300);
    const r = rows.find((x) => x.id === settlementId);
    if (r?.delivery !== "held") throw invalid("settlementId", `结算 ${settlementId} 不在等待收款员确认的状态`);
    r.delivery = "delivered";
    log(actor(), "release_notify", `settlement:${settlementId}`);
    return { settlementId, status: "delivered", attempts: 1, nextAttemptAt: null, lastError: null };
  },

  seat: async () => seatView(),
  signIn: async (id, pin) => {
    await wait(200);
    const op = authenticate(staffId(id), pinOf(pin));
    sit(op);
    return op;
  },
  createFirstAdmin: async (r) => {
    await wait(200);
    if (r.role !== "admin") throw invalid("role", "第一个操作员必须是管理员");
    if (operators.size > 0) throw fail("forbidden", "此操作需要管理员权限", "请管理员登录后操作");
    const o = insert(r, r.id);
    log(o.id, "create_operator", `operator:${o.id}`, "first administrator");
    sit(viewOf(o));
    return viewOf(o);
  },
  lock: async () => {
    if (!sitting) throw fail("not_signed_in", "请先登录", SIGN_IN_ADVICE);
    sitting.locked = true;
    log(sitting.operator.id, "lock");
  },
  unlock: async (pin) => {
    await wait(200);
    if (!sitting) throw fail("not_signed_in", "请先登录", SIGN_IN_ADVICE);
    const op = authenticate(sitting.operator.id, pinOf(pin));
    sitting.locked = false;
    sitting.lastActive = Date.now();
    log(op.id, "unlock");
    return op;
  },
  shiftSummary: async () => shiftSoFar(),
  handOver: async () => {
    const s = { ...shiftSoFar(), endedAt: stampNow() };
    log(s.operatorId, "hand_over", "shift", `${s.byState.reduce((a, t) => a + t.count, 0)} 笔，净额 ${s.net.totalFee}`);
    sitting = null;
    return s;
  },
  changePin: async (oldPin, newPin) => {
    await wait(200);
    const op = require("cashier");
    pinOf(newPin, "newPin");
    authenticate(op.id, pinOf(oldPin, "oldPin"));
    const o = operators.get(op.id);
    if (o) o.pin = newPin;
    log(op.id, "change_pin");
  },
  listOperators: async () => [...operators.values()].map(infoOf),
  addOperator: async (r) => {
    const o = insert(r, actor());
    log(actor(), "create_operator", `operator:${o.id}`, o.role);
    return infoOf(o);
  },
  updateOperator: async (id, u) => {
    const o = operators.get(id);
    if (!o) throw notFound(`没有工号 ${id}`);
    const demotes = u.role === "cashier" || u.active === false;
    const otherAdmins = [...operators.values()].filter((x) => x.id !== id && x.role === "admin" && x.active).length;
    if (demotes && o.role === "admin" && o.active && otherAdmins === 0) {
      throw invalid(u.active === false ? "active" : "role", "这是唯一的管理员，不能停用或改为收款员");
    }
    if (u.name !== undefined) o.name = nameOf(u.name);
    if (u.pin !== undefined) {
      o.pin = pinOf(u.pin);
      o.lockedUntil = null;
      o.failed = 0;
    }
    if (u.role !== undefined) o.role = u.role;
    if (u.active !== undefined) o.active = u.active;
    const changed = [u.name !== undefined && "name", u.role, u.active !== undefined && (u.active ? "enabled" : "disabled"), u.pin !== undefined && "pin reset"];
    log(actor(), "update_operator", `operator:${id}`, changed.filter(Boolean).join(", "));
    // A disabled or demoted operator who is seated loses the seat's powers now.
    if (demotes && sitting?.operator.id === id) sitting = null;
    return infoOf(o);
  },
  auditLog: async (f) => {
    const hits = audit.filter(
      (e) =>
        (!f.from || e.at.slice(0, 10) >= f.from) && (!f.to || e.at.slice(0, 10) <= f.to) &&
        (!f.operatorId || e.operatorId === f.operatorId) && (!f.action || e.action === f.action) &&
        (f.beforeId === null || e.id < f.beforeId),
    );
    return hits.reverse().slice(0, f.limit ?? 100);
  },
  purge: async (days) => {
    if (days !== null && (days < 1 || days > 3650)) throw invalid("olderThanDays", "应在 1 到 3650 天之间");
    const purged = { visits: 0, settlements: 0 };
    log(actor(), "purge_identities", null, JSON.stringify(purged));
    return purged;
  },
};

/** Who may call what, as the shell's command table (tests/commands.rs) says. */
type Access = "public" | "cashier" | "polled" | "admin" | "admin-polled" | "settings";
const ACCESS: Record<keyof Backend, Access> = {
  appInfo: "public", status: "public", uiReady: "public", setAlwaysOnTop: "public",
  seat: "public", signIn: "public", createFirstAdmin: "public", lock: "public", unlock: "public",
  openRecords: "cashier", faceAuth: "cashier", qrcode: "cashier", cancelFaceAuth: "cashier", fetchIdentity: "cashier", revealIdentity: "cashier",
  notify: "cashier", refundDraft: "cashier", refund: "cashier", history: "cashier", visitDetail: "cashier", resend: "cashier",
  summary: "cashier", closeDay: "cashier", export: "cashier", pending: "cashier", releaseSettlement: "cashier",
  shiftSummary: "cashier", handOver: "cashier", changePin: "cashier",
  hisActivity: "polled", bridgeInfo: "admin-polled",
  getSettings: "settings", saveSettings: "settings", testConnection: "settings",
  copyBridgeToken: "admin", rotateBridgeToken: "admin", resolve: "admin", listOperators: "admin", addOperator: "admin",
  updateOperator: "admin", auditLog: "admin", purge: "admin",
};

function admit(name: keyof Backend, args: unknown[]) {
  let access = ACCESS[name];
  // 设置 is the setup screen's way out; an unmasked export is an administrator's.
  if (name === "openRecords" && args[0] === "settings") access = "settings";
  if (name === "export" && (args[0] as ExportRequest).unmasked) access = "admin";
  switch (access) {
    case "public":
      return;
    case "settings":
      if (!startupError) require("admin");
      return;
    case "cashier":
    case "admin":
      require(access);
      return;
    case "polled":
      require("cashier", false);
      return;
    case "admin-polled":
      require("admin", false);
      return;
  }
}

export const fakeBackend = Object.fromEntries(
  (Object.keys(ACCESS) as (keyof Backend)[]).map((name) => {
    const f = desk[name] as (...a: unknown[]) => Promise<unknown>;
    return [name, (...args: unknown[]) => { try { admit(name, args); } catch (e) { return Promise.reject(e); } return f(...args); }];
  }),
) as unknown as Backend;
