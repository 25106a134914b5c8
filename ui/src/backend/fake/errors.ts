// The fake's refusals, shaped like the shell's IpcError.

import type { ErrorCode } from "../../bindings/ErrorCode";
import type { IpcError } from "../../bindings/IpcError";
import type { Role } from "../../bindings/Role";
import * as T from "../../generated/labels";

export const fail = (code: ErrorCode, message: string, advice: string | null = null, field: string | null = null): IpcError => ({ code, message, field, advice });
export const invalid = (field: string, message: string): IpcError => ({ code: "validation", message, field, advice: "请更正标出的字段后再提交" });
export const notFound = (message: string): IpcError => ({ code: "not_found", message, field: null, advice: null });

const SIGN_IN_ADVICE = "请用本人的工号和 PIN 登录";
export const notSignedIn = () => fail("not_signed_in", "请先登录", SIGN_IN_ADVICE);
export const seatLocked = () => fail("seat_locked", "收银台已锁定，请输入 PIN 解锁", SIGN_IN_ADVICE, "pin");
export const adminOnly = () => forbidden("admin");
/** As the desk words `forbidden`: what the role needed, and who to call. */
export const forbidden = (needs: Role) =>
  fail(
    "forbidden",
    `此操作需要${T.ROLE[needs]}权限`,
    needs === "cashier" ? "请收款员登录后操作（财务/信息科的账号不收费）" : needs === "finance" ? "请财务/信息科或管理员登录后操作" : "请管理员登录后操作",
  );
