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
//
// store.ts      the state: settings, journal rows, operators, seat, audit
// terminal.ts   刷脸 and 扫码, the demo patients, 显示
// records.ts    settlements, refunds, 历史, a visit, 重发, F4, 待确认, 清除
// summaries.ts  日结 and 交班's sums, 关账, the export
// operators.ts  the operators and the audit log
// seat.ts       sign-in, PIN lockout, the idle lock, 交班
// his.ts        the HIS on the console, 设置 → HIS 接口
// settings.ts   关于, the status bar, 设置
// central.ts    全院: a counter without a hospital server
// access.ts     who may call what

import type { Backend } from "../index";
import { admit } from "./access";
import { centralCommands } from "./central";
import { hisCommands } from "./his";
import { operatorCommands } from "./operators";
import { recordCommands } from "./records";
import { seatCommands } from "./seat";
import { settingsCommands } from "./settings";
import { summaryCommands } from "./summaries";
import { terminalCommands } from "./terminal";

/** Every command, unguarded: `fakeBackend` below admits callers as the shell does. */
const desk: Backend = {
  ...settingsCommands,
  ...terminalCommands,
  ...recordCommands,
  ...summaryCommands,
  ...hisCommands,
  ...seatCommands,
  ...operatorCommands,
  ...centralCommands,
};

export const fakeBackend = Object.fromEntries(
  (Object.keys(desk) as (keyof Backend)[]).map((name) => {
    const f = desk[name] as (...a: unknown[]) => Promise<unknown>;
    return [name, (...args: unknown[]) => { try { admit(name, args); } catch (e) { return Promise.reject(e); } return f(...args); }];
  }),
) as unknown as Backend;
