// Who sits at the counter, as facepay-core's Seat keeps it: sign-in with
// PIN checks and lockout, the idle lock, 锁定 and 解锁, 交班, and the role
// a command needs.

import type { OperatorView } from "../../bindings/OperatorView";
import type { Role } from "../../bindings/Role";
import type { SeatView } from "../../bindings/SeatView";
import type { ShiftSummary } from "../../bindings/ShiftSummary";
import type { Backend } from "../index";
import { adminOnly, fail, forbidden, invalid, notSignedIn, seatLocked } from "./errors";
import { insert, pinOf, staffId, viewOf } from "./operators";
import { fake, log, stampAt, stampNow, wait } from "./store";
import { summarize } from "./summaries";

/** As `[counter] idle_lock_minutes` defaults (facepay-core's config: 5). */
export const IDLE_LOCK_MINUTES = 5;
/** As facepay-core's PIN_ATTEMPTS and PIN_LOCKOUT. */
const PIN_ATTEMPTS = 5;
const PIN_LOCKOUT_MINUTES = 5;

const wrongPin = (left: number) =>
  fail("wrong_pin", `工号或 PIN 不正确（再错 ${left} 次将锁定 ${PIN_LOCKOUT_MINUTES} 分钟）`, "请核对工号和 PIN；忘记 PIN 请找管理员重置", "pin");
const pinLocked = (until: string) => fail("pin_locked", `PIN 错误次数过多，工号已锁定至 ${until.slice(11, 16)}`, "请稍后再试，或请管理员重置 PIN");

/** Lock a seat left idle too long (checked whenever anyone looks). */
function lapse() {
  const s = fake.sitting;
  if (s && !s.locked && Date.now() - s.lastActive >= IDLE_LOCK_MINUTES * 60_000) s.locked = true;
}
/** Whether `role` may do the work of `needs`: an administrator everything, the others their own (as the desk's `may`). */
const may = (role: Role, needs: Role) => role === "admin" || role === needs;
/** The seated operator allowed `role`'s work (`null`: any role); `touch`: counts as activity (a click, not a poll). */
export function requireSeat(role: Role | null, touch = true): OperatorView {
  lapse();
  const s = fake.sitting;
  if (!s) throw notSignedIn();
  if (s.locked) throw seatLocked();
  if (role !== null && !may(s.operator.role, role)) throw forbidden(role);
  if (touch) s.lastActive = Date.now();
  return s.operator;
}
export const seatView = (): SeatView => {
  lapse();
  const s = fake.sitting;
  return { operator: s?.operator ?? null, locked: s?.locked ?? false, needsFirstAdmin: !s && fake.operators.size === 0, idleLockMinutes: IDLE_LOCK_MINUTES };
};

/** Check a PIN: unknown and disabled 工号 answer like a wrong PIN; wrong ones count towards a lockout. */
function authenticate(id: string, pin: string): OperatorView {
  const o = fake.operators.get(id.trim());
  if (!o?.active) {
    log(id, "sign_in_failed", null, "unknown");
    throw wrongPin(PIN_ATTEMPTS);
  }
  if (o.lockedUntil && o.lockedUntil > stampNow()) throw pinLocked(o.lockedUntil);
  if (o.pin !== pin) {
    o.failed += 1;
    if (o.failed >= PIN_ATTEMPTS) {
      o.failed = 0;
      o.lockedUntil = stampAt(new Date(Date.now() + PIN_LOCKOUT_MINUTES * 60_000));
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
/** A new shift for `operator`; a colleague's locked one ends as replaced. */
function sit(operator: OperatorView) {
  const previous = fake.sitting?.operator;
  const shift = Math.floor(Math.random() * 1e6);
  log(operator.id, "sign_in", `shift:${shift}`, previous && previous.id !== operator.id ? `接替 ${previous.id}` : null);
  fake.sitting = { operator, shiftStart: stampNow(), firstRow: fake.rows.length, lastActive: Date.now(), locked: false };
}
function shiftSoFar(): ShiftSummary {
  const op = requireSeat("cashier");
  const from = fake.sitting?.firstRow ?? 0;
  const mine = fake.rows.filter((r) => r.id > from && r.operatorId === op.id);
  return { operatorId: op.id, operatorName: op.name, startedAt: fake.sitting?.shiftStart ?? stampNow(), endedAt: null, ...summarize(mine) };
}

export const seatCommands: Pick<Backend, "seat" | "signIn" | "createFirstAdmin" | "lock" | "unlock" | "shiftSummary" | "handOver" | "changePin"> = {
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
    if (fake.operators.size > 0) throw adminOnly();
    const o = insert(r, r.id);
    log(o.id, "create_operator", `operator:${o.id}`, "first administrator");
    sit(viewOf(o));
    return viewOf(o);
  },
  lock: async () => {
    if (!fake.sitting) throw notSignedIn();
    fake.sitting.locked = true;
    log(fake.sitting.operator.id, "lock");
  },
  unlock: async (pin) => {
    await wait(200);
    const s = fake.sitting;
    if (!s) throw notSignedIn();
    const op = authenticate(s.operator.id, pinOf(pin));
    s.locked = false;
    s.lastActive = Date.now();
    log(op.id, "unlock");
    return op;
  },
  shiftSummary: async () => shiftSoFar(),
  handOver: async () => {
    const s = { ...shiftSoFar(), endedAt: stampNow() };
    log(s.operatorId, "hand_over", "shift", `${s.byState.reduce((a, t) => a + t.count, 0)} 笔，净额 ${s.net.totalFee}`);
    fake.sitting = null;
    return s;
  },
  changePin: async (oldPin, newPin) => {
    await wait(200);
    const op = requireSeat("cashier");
    pinOf(newPin, "newPin");
    authenticate(op.id, pinOf(oldPin, "oldPin"));
    const o = fake.operators.get(op.id);
    if (o) o.pin = newPin;
    log(op.id, "change_pin");
  },
};
