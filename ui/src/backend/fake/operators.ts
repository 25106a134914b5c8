// The operators, as facepay-core's operators keep them: 工号, name, role,
// PIN; the checks on what an administrator types; the audit log.

import type { NewOperatorRequest } from "../../bindings/NewOperatorRequest";
import type { OperatorInfo } from "../../bindings/OperatorInfo";
import type { OperatorView } from "../../bindings/OperatorView";
import type { Backend } from "../index";
import { fail, invalid, notFound } from "./errors";
import { actor, type FakeOperator, fake, log, stampNow } from "./store";

export function staffId(id: string, field = "staffId"): string {
  const v = id.trim();
  if (!v) throw invalid(field, "请输入工号");
  if (!/^[A-Za-z0-9_-]{1,20}$/.test(v)) throw invalid(field, "工号应为 1–20 位字母、数字、“-”或“_”");
  return v;
}
export function pinOf(pin: string, field = "pin"): string {
  if (!/^\d{4,12}$/.test(pin)) throw invalid(field, "PIN 应为 4–12 位数字");
  return pin;
}
function nameOf(name: string): string {
  if (!name.trim()) throw invalid("name", "请输入姓名");
  return name.trim();
}
export const viewOf = (o: FakeOperator): OperatorView => ({ id: o.id, name: o.name, role: o.role });
const infoOf = ({ pin: _pin, failed: _failed, ...o }: FakeOperator): OperatorInfo => ({ ...o });

/** A new operator, made by `by`. */
export function insert(r: NewOperatorRequest, by: string): FakeOperator {
  const id = staffId(r.id, "id");
  if (fake.operators.has(id)) throw fail("invalid_input", `工号 ${id} 已存在：请换一个工号，或在列表中修改这位操作员`, null, "id");
  const o: FakeOperator = { id, name: nameOf(r.name), role: r.role, active: true, lockedUntil: null, createdAt: stampNow(), createdBy: by, pin: pinOf(r.pin), failed: 0 };
  fake.operators.set(id, o);
  return o;
}

export const operatorCommands: Pick<Backend, "listOperators" | "addOperator" | "updateOperator" | "auditLog"> = {
  listOperators: async () => [...fake.operators.values()].map(infoOf),
  addOperator: async (r) => {
    const o = insert(r, actor());
    log(actor(), "create_operator", `operator:${o.id}`, o.role);
    return infoOf(o);
  },
  updateOperator: async (id, u) => {
    const o = fake.operators.get(id);
    if (!o) throw notFound(`没有工号 ${id}`);
    const demotes = u.role === "cashier" || u.active === false;
    const otherAdmins = [...fake.operators.values()].filter((x) => x.id !== id && x.role === "admin" && x.active).length;
    if (demotes && o.role === "admin" && o.active && otherAdmins === 0) {
      throw invalid(u.active === false ? "active" : "role", "这是唯一的管理员，不能停用或改为其他角色");
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
    if (demotes && fake.sitting?.operator.id === id) fake.sitting = null;
    return infoOf(o);
  },
  auditLog: async (f) => {
    const hits = fake.audit.filter(
      (e) =>
        (!f.from || e.at.slice(0, 10) >= f.from) && (!f.to || e.at.slice(0, 10) <= f.to) &&
        (!f.operatorId || e.operatorId === f.operatorId) && (!f.action || e.action === f.action) &&
        (f.beforeId === null || e.id < f.beforeId),
    );
    return hits.reverse().slice(0, f.limit ?? 100);
  },
};
