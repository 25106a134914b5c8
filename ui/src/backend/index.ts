// The seam under the UI: components talk to a Backend, never to Tauri
// directly, so they also run in a plain browser against the fake one.

import type { Purged } from "../bindings/Purged";
import type { RecordsTab } from "../bindings/RecordsTab";
import type { AppInfo } from "../bindings/AppInfo";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AuditFilter } from "../bindings/AuditFilter";
import type { BridgeInfo } from "../bindings/BridgeInfo";
import type { Call } from "../bindings/Call";
import type { CentralSettlement } from "../bindings/CentralSettlement";
import type { CentralStatus } from "../bindings/CentralStatus";
import type { Difference } from "../bindings/Difference";
import type { GroupBy } from "../bindings/GroupBy";
import type { HospitalReport } from "../bindings/HospitalReport";
import type { ConnectionTest } from "../bindings/ConnectionTest";
import type { DaySummary } from "../bindings/DaySummary";
import type { DeliveryReport } from "../bindings/DeliveryReport";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { ExportResult } from "../bindings/ExportResult";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { HisActivity } from "../bindings/HisActivity";
import type { HistoryFilter } from "../bindings/HistoryFilter";
import type { HistoryPage } from "../bindings/HistoryPage";
import type { HospitalDay } from "../bindings/HospitalDay";
import type { IpcError } from "../bindings/IpcError";
import type { NewOperatorRequest } from "../bindings/NewOperatorRequest";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import type { OperatorInfo } from "../bindings/OperatorInfo";
import type { OperatorUpdate } from "../bindings/OperatorUpdate";
import type { OperatorView } from "../bindings/OperatorView";
import type { RefundDraft } from "../bindings/RefundDraft";
import type { RefundRequest } from "../bindings/RefundRequest";
import type { Resolution } from "../bindings/Resolution";
import type { RevealedIdentity } from "../bindings/RevealedIdentity";
import type { SeatView } from "../bindings/SeatView";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { SettleNotifyDraft } from "../bindings/SettleNotifyDraft";
import type { ShiftSummary } from "../bindings/ShiftSummary";
import type { Status } from "../bindings/Status";
import type { VisitDetail } from "../bindings/VisitDetail";
import { fakeBackend } from "./fake";
import { tauriBackend } from "./tauri";

export interface Backend {
  appInfo(): Promise<AppInfo>;
  status(): Promise<Status>;
  uiReady(): Promise<number>;
  openRecords(tab: RecordsTab): Promise<void>;
  setAlwaysOnTop(on: boolean): Promise<void>;
  faceAuth(): Promise<FaceAuthOutcome>;
  /** 扫码: the terminal reads the patient's 医保码; the identity comes with it. */
  qrcode(): Promise<FaceAuthOutcome>;
  cancelFaceAuth(): Promise<boolean>;
  fetchIdentity(outBizNo: string): Promise<FaceAuthOutcome>;
  revealIdentity(visitId: number): Promise<RevealedIdentity>;
  notify(draft: SettleNotifyDraft): Promise<NotifyReceipt>;
  /** A full refund of a SUCCESS settlement, prefilled for the dialog. */
  refundDraft(settlementId: number): Promise<RefundDraft>;
  refund(request: RefundRequest): Promise<NotifyReceipt>;
  history(filter: Partial<HistoryFilter>): Promise<HistoryPage>;
  visitDetail(outBizNo: string): Promise<VisitDetail>;
  resend(settlementId: number): Promise<DeliveryReport>;
  summary(date: string, operatorId?: string): Promise<DaySummary[]>;
  closeDay(date: string): Promise<DaySummary>;
  /** Export into the configured folder, or where the cashier chooses in a
   * save dialog the Rust side opens; null when the dialog is cancelled. */
  export(request: ExportRequest, onProgress: (rows: number) => void): Promise<ExportResult | null>;
  pending(): Promise<Call[]>;
  resolve(callId: number, resolution: Exclude<Resolution, "superseded">, reason: string): Promise<Call>;
  getSettings(): Promise<SettingsForm>;
  saveSettings(form: SettingsForm): Promise<AppInfo>;
  testConnection(form: SettingsForm): Promise<ConnectionTest>;
  /** 设置 → HIS 接口: where the bridge serves, its token (masked), recent requests. */
  bridgeInfo(): Promise<BridgeInfo>;
  /** The whole bridge token, for IT to paste into the HIS (audited). */
  copyBridgeToken(): Promise<string>;
  /** A new bridge token; the HIS must be given it (audited). */
  rotateBridgeToken(): Promise<BridgeInfo>;
  /** The HIS's newest visit (masked), for the panel to follow; null before the HIS ever scanned. */
  hisActivity(): Promise<HisActivity | null>;
  /** F4 on a settlement the HIS pushed and the counter holds for the cashier. */
  releaseSettlement(settlementId: number): Promise<DeliveryReport>;

  /** Who sits at the panel: what the sign-in and lock screens follow. */
  seat(): Promise<SeatView>;
  /** 登录: starts a shift; a colleague's locked shift ends as replaced. */
  signIn(staffId: string, pin: string): Promise<OperatorView>;
  /** The first start: the administrator, signed in at once (role must be admin). */
  createFirstAdmin(request: NewOperatorRequest): Promise<OperatorView>;
  lock(): Promise<void>;
  unlock(pin: string): Promise<OperatorView>;
  /** The shift so far, for the 交班 confirmation. */
  shiftSummary(): Promise<ShiftSummary>;
  /** 交班: ends the shift and signs out; the shift's own summary. */
  handOver(): Promise<ShiftSummary>;
  changePin(oldPin: string, newPin: string): Promise<void>;
  listOperators(): Promise<OperatorInfo[]>;
  addOperator(request: NewOperatorRequest): Promise<OperatorInfo>;
  updateOperator(staffId: string, update: OperatorUpdate): Promise<OperatorInfo>;
  /** Newest first; `beforeId` pages on. */
  auditLog(filter: AuditFilter): Promise<AuditEntry[]>;
  /** 清除: names and 证件号 older than the retention (or `olderThanDays`), now. */
  purge(olderThanDays: number | null): Promise<Purged>;
  /** 全院: every counter's standing on the hospital's server. */
  centralStatus(): Promise<CentralStatus>;
  /** 全院日结 of one day, by counter, 医保 and 自费 apart. */
  centralSummary(date: string): Promise<HospitalDay>;
  /** 对账 differences of one day still waiting for an explanation. */
  centralDifferences(date: string): Promise<Difference[]>;
  /** 说明 one difference (audited on the server). */
  centralExplain(differenceId: number, note: string): Promise<void>;
  /** One person's settlements at every counter, masked; the 证件号 leaves this machine only as its keyed hash. */
  centralPerson(idNo: string): Promise<CentralSettlement[]>;
  /** 全院日结 over days, by counter, 收款员, office or day. */
  centralReport(from: string, to: string, by: GroupBy): Promise<HospitalReport>;
  /** The same as CSV into the exports folder (`null`: the operator cancelled the save dialog). */
  centralExport(from: string, to: string, by: GroupBy): Promise<ExportResult | null>;
}

export type { Purged };

export type { IpcError };

/** Every rejection is shaped like the shell's `{code, message}`. */
export function asIpcError(e: unknown): IpcError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as IpcError;
  return { code: "internal", message: String(e), field: null, advice: null };
}

/**
 * Fired when a command was refused because of who sits at the panel (nobody,
 * locked, or a role that may not): the gate asks the seat again at once
 * instead of waiting for its next poll, in whichever window it happened.
 */
export const SEAT_EVENT = "facepay:seat";
const SEAT_CODES = new Set<ErrorCode>(["not_signed_in", "seat_locked", "forbidden"]);

function watched(b: Backend): Backend {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(b) as [string, (...a: unknown[]) => Promise<unknown>][]) {
    out[name] = (...args: unknown[]) =>
      f(...args).catch((e: unknown) => {
        if (SEAT_CODES.has(asIpcError(e).code)) dispatchEvent(new Event(SEAT_EVENT));
        throw e;
      });
  }
  return out as unknown as Backend;
}

const inTauri = typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
export const backend: Backend = watched(inTauri ? tauriBackend : fakeBackend);
