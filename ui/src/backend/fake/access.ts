// Who may call what, as the shell's command table (tests/commands.rs) says.

import type { ExportRequest } from "../../bindings/ExportRequest";
import type { Backend } from "../index";
import { requireSeat } from "./seat";
import { fake } from "./store";

type Access = "public" | "cashier" | "polled" | "admin" | "admin-polled" | "settings";
export const ACCESS: Record<keyof Backend, Access> = {
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

/** Throws what the shell answers a caller who may not make this call. */
export function admit(name: keyof Backend, args: unknown[]) {
  let access = ACCESS[name];
  // 设置 is the setup screen's way out; an unmasked export is an administrator's.
  if (name === "openRecords" && args[0] === "settings") access = "settings";
  if (name === "export" && (args[0] as ExportRequest).unmasked) access = "admin";
  switch (access) {
    case "public":
      return;
    case "settings":
      if (!fake.startupError) requireSeat("admin");
      return;
    case "cashier":
    case "admin":
      requireSeat(access);
      return;
    case "polled":
      requireSeat("cashier", false);
      return;
    case "admin-polled":
      requireSeat("admin", false);
      return;
  }
}
