// Who may call what: the shell's command table, generated into ui/src/generated/commands.ts.

import type { ExportRequest } from "../../bindings/ExportRequest";
import { ACCESS, type Access, type Commands } from "../../generated/commands";
import type { Backend } from "../index";
import { requireSeat } from "./seat";
import { fake } from "./store";

/** The command a Backend method calls: `appInfo` → `app_info`. */
export function commandOf(method: keyof Backend): keyof Commands {
  return method.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as keyof Commands;
}

/** Throws what the shell answers a caller who may not make this call. */
export function admit(name: keyof Backend, args: unknown[]) {
  let access: Access = ACCESS[commandOf(name)];
  // 设置 is the setup screen's way out, 全院 财务/信息科's; an unmasked export is an administrator's.
  if (access === "records") access = args[0] === "settings" ? "setup" : args[0] === "hospital" ? "finance" : "cashier";
  if (name === "export" && (args[0] as ExportRequest).unmasked) access = "admin";
  switch (access) {
    case "public":
      return;
    case "setup":
      if (!fake.startupError) requireSeat("admin");
      return;
    case "cashier":
    case "admin":
    case "finance":
      requireSeat(access);
      return;
    case "signed":
      requireSeat(null);
      return;
    case "polled":
      requireSeat("cashier", false);
      return;
    case "adminPolled":
      requireSeat("admin", false);
      return;
    default: {
      // A level the command table gained that the fake does not know yet: tsc stops here.
      const unknown: never = access;
      throw new Error(`no rule for ${unknown}`);
    }
  }
}
