import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Backend } from "./index";

export const tauriBackend: Backend = {
  appInfo: () => invoke("app_info"),
  status: () => invoke("status"),
  uiReady: () => invoke("ui_ready"),
  openRecords: (tab) => invoke("open_records", { tab }),
  setAlwaysOnTop: (on) => invoke("set_always_on_top", { on }),
  faceAuth: () => invoke("face_auth"),
  qrcode: () => invoke("qrcode"),
  cancelFaceAuth: () => invoke("cancel_face_auth"),
  fetchIdentity: (outBizNo) => invoke("fetch_identity", { outBizNo }),
  revealIdentity: (visitId) => invoke("reveal_identity", { visitId }),
  notify: (draft) => invoke("notify", { draft }),
  refundDraft: (settlementId) => invoke("refund_draft", { settlementId }),
  refund: (request) => invoke("refund", { request }),
  history: (filter) => invoke("history", { filter }),
  visitDetail: (outBizNo) => invoke("visit_detail", { outBizNo }),
  resend: (settlementId) => invoke("resend", { settlementId }),
  summary: (date, operatorId) => invoke("summary", { date, operatorId: operatorId || null }),
  closeDay: (date) => invoke("close_day", { date }),
  export: async (request, onProgress) => {
    const stop = await listen<number>("export-progress", (e) => onProgress(e.payload));
    try {
      return await invoke("export", { request });
    } finally {
      stop();
    }
  },
  pending: () => invoke("pending"),
  resolve: (callId, resolution, reason) => invoke("resolve", { callId, resolution, reason }),
  getSettings: () => invoke("get_settings"),
  saveSettings: (form) => invoke("save_settings", { form }),
  testConnection: (form) => invoke("test_connection", { form }),
  bridgeInfo: () => invoke("bridge_info"),
  copyBridgeToken: () => invoke("copy_bridge_token"),
  rotateBridgeToken: () => invoke("rotate_bridge_token"),
  hisActivity: () => invoke("his_activity"),
  releaseSettlement: (settlementId) => invoke("release_settlement", { settlementId }),
  seat: () => invoke("seat"),
  signIn: (staffId, pin) => invoke("sign_in", { staffId, pin }),
  createFirstAdmin: (request) => invoke("create_first_admin", { request }),
  lock: () => invoke("lock"),
  unlock: (pin) => invoke("unlock", { pin }),
  shiftSummary: () => invoke("shift_summary"),
  handOver: () => invoke("hand_over"),
  changePin: (oldPin, newPin) => invoke("change_pin", { oldPin, newPin }),
  listOperators: () => invoke("list_operators"),
  addOperator: (request) => invoke("add_operator", { request }),
  updateOperator: (staffId, update) => invoke("update_operator", { staffId, update }),
  auditLog: (filter) => invoke("audit_log", { filter }),
  purge: (olderThanDays) => invoke("purge", { olderThanDays }),
};
