import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { HistoryFilter } from "../bindings/HistoryFilter";
import type { Commands } from "../generated/commands";
import type { Backend } from "./index";

/** A command by its Rust name, its arguments and answer typed from the Rust signature. */
function call<C extends keyof Commands>(cmd: C, args: Commands[C]["args"]): Promise<Commands[C]["returns"]> {
  return invoke(cmd, args);
}

export const tauriBackend: Backend = {
  appInfo: () => call("app_info", {}),
  status: () => call("status", {}),
  uiReady: () => call("ui_ready", {}),
  openRecords: (tab) => call("open_records", { tab }),
  setAlwaysOnTop: (on) => call("set_always_on_top", { on }),
  faceAuth: () => call("face_auth", {}),
  qrcode: () => call("qrcode", {}),
  cancelFaceAuth: () => call("cancel_face_auth", {}),
  fetchIdentity: (outBizNo) => call("fetch_identity", { outBizNo }),
  revealIdentity: (visitId) => call("reveal_identity", { visitId }),
  notify: (draft) => call("notify", { draft }),
  refundDraft: (settlementId) => call("refund_draft", { settlementId }),
  refund: (request) => call("refund", { request }),
  // HistoryFilter is serde(default): the Rust side fills in what a partial one leaves out.
  history: (filter) => call("history", { filter: filter as HistoryFilter }),
  visitDetail: (outBizNo) => call("visit_detail", { outBizNo }),
  resend: (settlementId) => call("resend", { settlementId }),
  summary: (date, operatorId) => call("summary", { date, operatorId: operatorId || null }),
  closeDay: (date) => call("close_day", { date }),
  export: async (request, onProgress) => {
    const stop = await listen<number>("export-progress", (e) => onProgress(e.payload));
    try {
      return await call("export", { request });
    } finally {
      stop();
    }
  },
  pending: () => call("pending", {}),
  resolve: (callId, resolution, reason) => call("resolve", { callId, resolution, reason }),
  getSettings: () => call("get_settings", {}),
  saveSettings: (form) => call("save_settings", { form }),
  testConnection: (form) => call("test_connection", { form }),
  bridgeInfo: () => call("bridge_info", {}),
  copyBridgeToken: () => call("copy_bridge_token", {}),
  rotateBridgeToken: () => call("rotate_bridge_token", {}),
  hisActivity: () => call("his_activity", {}),
  releaseSettlement: (settlementId) => call("release_settlement", { settlementId }),
  seat: () => call("seat", {}),
  signIn: (staffId, pin) => call("sign_in", { staffId, pin }),
  createFirstAdmin: (request) => call("create_first_admin", { request }),
  lock: () => call("lock", {}),
  unlock: (pin) => call("unlock", { pin }),
  shiftSummary: () => call("shift_summary", {}),
  handOver: () => call("hand_over", {}),
  changePin: (oldPin, newPin) => call("change_pin", { oldPin, newPin }),
  listOperators: () => call("list_operators", {}),
  addOperator: (request) => call("add_operator", { request }),
  updateOperator: (staffId, update) => call("update_operator", { staffId, update }),
  auditLog: (filter) => call("audit_log", { filter }),
  purge: (olderThanDays) => call("purge", { olderThanDays }),
  centralStatus: () => call("central_status", {}),
  centralSummary: (date) => call("central_summary", { date }),
  centralDifferences: (date) => call("central_differences", { date }),
  centralExplain: (differenceId, note) => call("central_explain", { differenceId, note }),
  centralPerson: (idNo) => call("central_person", { idNo }),
  centralReport: (from, to, by) => call("central_report", { from, to, by }),
  centralExport: (from, to, by) => call("central_export", { from, to, by }),
};
