// What the counter is set up as: 关于's facts, the status bar, and 设置.

import type { AppInfo } from "../../bindings/AppInfo";
import type { Backend } from "../index";
import { seatView } from "./seat";
import { actor, fake, log } from "./store";

const TRANSPORT = "浏览器假后端";

function appInfo(): AppInfo {
  const s = fake.settings;
  const op = fake.sitting?.operator;
  return {
    version: "dev", demo: s.transport === "simulator", transport: TRANSPORT, transportKind: s.transport,
    hospitalName: s.hospitalName, counterId: s.counterId, operatorId: op?.id ?? s.operatorId,
    operatorName: op?.name ?? s.operatorName, officeId: s.officeId, officeName: s.officeName, exportDir: "/tmp", startupError: fake.startupError,
  };
}

export const settingsCommands: Pick<Backend, "appInfo" | "status" | "uiReady" | "openRecords" | "setAlwaysOnTop" | "getSettings" | "saveSettings" | "testConnection"> = {
  appInfo: async () => appInfo(),
  status: async () => ({
    demo: true, transport: TRANSPORT, reachable: true, unreachableReason: null,
    undelivered: fake.rows.filter((r) => r.delivery !== "delivered").length, pending: fake.calls.length,
    operatorName: fake.sitting?.operator.name ?? fake.settings.operatorName,
    seat: seatView(), clockWarning: null, journalReadOnly: null, held: fake.rows.filter((r) => r.delivery === "held").length,
    bridge: fake.settings.bridgeListen || null, bridgeError: null, central: null,
  }),
  uiReady: async () => 0,
  // One page plays both windows: the records window is a route of it.
  openRecords: async (tab) => {
    location.hash = `#/records/${tab}`;
  },
  setAlwaysOnTop: async () => {},
  getSettings: async () => fake.settings,
  saveSettings: async (form) => {
    fake.settings = form;
    log(fake.startupError ? "setup" : actor(), "save_settings", null, fake.startupError ? "setup screen" : null);
    fake.startupError = null;
    return appInfo();
  },
  testConnection: async () => ({ ok: true, message: "连接正常：浏览器假后端" }),
};
