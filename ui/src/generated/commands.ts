// Generated from the #[tauri::command] functions in src-tauri/src/commands by
// tests/command_bindings.rs (scripts/bindings.sh). Do not edit.

import type { AppInfo } from "../bindings/AppInfo";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AuditFilter } from "../bindings/AuditFilter";
import type { BridgeInfo } from "../bindings/BridgeInfo";
import type { Call } from "../bindings/Call";
import type { CallId } from "../bindings/CallId";
import type { CentralSettlement } from "../bindings/CentralSettlement";
import type { CentralStatus } from "../bindings/CentralStatus";
import type { ConnectionTest } from "../bindings/ConnectionTest";
import type { DaySummary } from "../bindings/DaySummary";
import type { DeliveryReport } from "../bindings/DeliveryReport";
import type { Difference } from "../bindings/Difference";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { ExportResult } from "../bindings/ExportResult";
import type { FaceAuthOutcome } from "../bindings/FaceAuthOutcome";
import type { GroupBy } from "../bindings/GroupBy";
import type { HisActivity } from "../bindings/HisActivity";
import type { HistoryFilter } from "../bindings/HistoryFilter";
import type { HistoryPage } from "../bindings/HistoryPage";
import type { HospitalDay } from "../bindings/HospitalDay";
import type { HospitalReport } from "../bindings/HospitalReport";
import type { NewOperatorRequest } from "../bindings/NewOperatorRequest";
import type { NotifyReceipt } from "../bindings/NotifyReceipt";
import type { OperatorInfo } from "../bindings/OperatorInfo";
import type { OperatorUpdate } from "../bindings/OperatorUpdate";
import type { OperatorView } from "../bindings/OperatorView";
import type { Pin } from "../bindings/Pin";
import type { Purged } from "../bindings/Purged";
import type { RecordsTab } from "../bindings/RecordsTab";
import type { RefundDraft } from "../bindings/RefundDraft";
import type { RefundRequest } from "../bindings/RefundRequest";
import type { Resolution } from "../bindings/Resolution";
import type { RevealedIdentity } from "../bindings/RevealedIdentity";
import type { SeatView } from "../bindings/SeatView";
import type { SettingsForm } from "../bindings/SettingsForm";
import type { SettleNotifyDraft } from "../bindings/SettleNotifyDraft";
import type { SettlementId } from "../bindings/SettlementId";
import type { ShiftSummary } from "../bindings/ShiftSummary";
import type { StaffId } from "../bindings/StaffId";
import type { Status } from "../bindings/Status";
import type { VisitDetail } from "../bindings/VisitDetail";
import type { VisitId } from "../bindings/VisitId";

/** Each panel command: the arguments the IPC takes, and its answer. */
export interface Commands {
  add_operator: { args: { request: NewOperatorRequest }; returns: OperatorInfo };
  app_info: { args: Record<string, never>; returns: AppInfo };
  audit_log: { args: { filter: AuditFilter }; returns: Array<AuditEntry> };
  bridge_info: { args: Record<string, never>; returns: BridgeInfo };
  cancel_face_auth: { args: Record<string, never>; returns: boolean };
  central_differences: { args: { date: string }; returns: Array<Difference> };
  central_explain: { args: { differenceId: number; note: string }; returns: void };
  central_export: { args: { from: string; to: string; by: GroupBy }; returns: ExportResult | null };
  central_person: { args: { idNo: string }; returns: Array<CentralSettlement> };
  central_report: { args: { from: string; to: string; by: GroupBy }; returns: HospitalReport };
  central_status: { args: Record<string, never>; returns: CentralStatus };
  central_summary: { args: { date: string }; returns: HospitalDay };
  change_pin: { args: { oldPin: Pin; newPin: Pin }; returns: void };
  close_day: { args: { date: string }; returns: DaySummary };
  copy_bridge_token: { args: Record<string, never>; returns: string };
  create_first_admin: { args: { request: NewOperatorRequest }; returns: OperatorView };
  export: { args: { request: ExportRequest }; returns: ExportResult | null };
  face_auth: { args: Record<string, never>; returns: FaceAuthOutcome };
  fetch_identity: { args: { outBizNo: string }; returns: FaceAuthOutcome };
  get_settings: { args: Record<string, never>; returns: SettingsForm };
  hand_over: { args: Record<string, never>; returns: ShiftSummary };
  his_activity: { args: Record<string, never>; returns: HisActivity | null };
  history: { args: { filter: HistoryFilter }; returns: HistoryPage };
  list_operators: { args: Record<string, never>; returns: Array<OperatorInfo> };
  lock: { args: Record<string, never>; returns: void };
  notify: { args: { draft: SettleNotifyDraft }; returns: NotifyReceipt };
  open_records: { args: { tab: RecordsTab }; returns: void };
  pending: { args: Record<string, never>; returns: Array<Call> };
  purge: { args: { olderThanDays: number | null }; returns: Purged };
  qrcode: { args: Record<string, never>; returns: FaceAuthOutcome };
  refund: { args: { request: RefundRequest }; returns: NotifyReceipt };
  refund_draft: { args: { settlementId: SettlementId }; returns: RefundDraft };
  release_settlement: { args: { settlementId: SettlementId }; returns: DeliveryReport };
  resend: { args: { settlementId: SettlementId }; returns: DeliveryReport };
  resolve: { args: { callId: CallId; resolution: Resolution; reason: string }; returns: Call };
  reveal_identity: { args: { visitId: VisitId }; returns: RevealedIdentity };
  rotate_bridge_token: { args: Record<string, never>; returns: BridgeInfo };
  save_settings: { args: { form: SettingsForm }; returns: AppInfo };
  seat: { args: Record<string, never>; returns: SeatView };
  set_always_on_top: { args: { on: boolean }; returns: void };
  shift_summary: { args: Record<string, never>; returns: ShiftSummary };
  sign_in: { args: { staffId: StaffId; pin: Pin }; returns: OperatorView };
  status: { args: Record<string, never>; returns: Status };
  summary: { args: { date: string; operatorId: string | null }; returns: Array<DaySummary> };
  test_connection: { args: { form: SettingsForm }; returns: ConnectionTest };
  ui_ready: { args: Record<string, never>; returns: number };
  unlock: { args: { pin: Pin }; returns: OperatorView };
  update_operator: { args: { staffId: StaffId; update: OperatorUpdate }; returns: OperatorInfo };
  visit_detail: { args: { outBizNo: string }; returns: VisitDetail };
}

/** Who may call a command (src-tauri/src/commands/table.rs). */
export type Access = "admin" | "adminPolled" | "cashier" | "finance" | "polled" | "public" | "records" | "setup" | "signed";

/** Each command's access, as the shell's guard admits it. */
export const ACCESS: Record<keyof Commands, Access> = {
  add_operator: "admin",
  app_info: "public",
  audit_log: "admin",
  bridge_info: "adminPolled",
  cancel_face_auth: "cashier",
  central_differences: "finance",
  central_explain: "finance",
  central_export: "finance",
  central_person: "finance",
  central_report: "finance",
  central_status: "finance",
  central_summary: "finance",
  change_pin: "signed",
  close_day: "cashier",
  copy_bridge_token: "admin",
  create_first_admin: "public",
  export: "cashier",
  face_auth: "cashier",
  fetch_identity: "cashier",
  get_settings: "setup",
  hand_over: "signed",
  his_activity: "polled",
  history: "cashier",
  list_operators: "admin",
  lock: "public",
  notify: "cashier",
  open_records: "records",
  pending: "cashier",
  purge: "admin",
  qrcode: "cashier",
  refund: "cashier",
  refund_draft: "cashier",
  release_settlement: "cashier",
  resend: "cashier",
  resolve: "admin",
  reveal_identity: "cashier",
  rotate_bridge_token: "admin",
  save_settings: "setup",
  seat: "public",
  set_always_on_top: "public",
  shift_summary: "signed",
  sign_in: "public",
  status: "public",
  summary: "cashier",
  test_connection: "setup",
  ui_ready: "public",
  unlock: "public",
  update_operator: "admin",
  visit_detail: "cashier",
};
