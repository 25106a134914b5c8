import type { IpcError } from "./backend";
import { FIELD_LABEL } from "./generated/labels";
import "./ErrorBox.css";

/**
 * The message as staff read it: the engine names the field it refuses as
 * programs know it (`字段 totalFee（总费用）…`, `配置项 counterId：…`), for the
 * HIS and scripts; the panel says the field's Chinese name instead.
 */
export function humane(error: IpcError): string {
  const field = error.field;
  if (!field) return error.message;
  const label = FIELD_LABEL[field.split(".").pop() ?? field];
  if (!label) return error.message;
  const named = new RegExp(`^(字段|配置项) ${field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(（[^）]*）)?[：:]?\\s*`);
  return named.test(error.message) ? `${label}：${error.message.replace(named, "")}` : error.message;
}

/** The terminal's own message and code, and what to do next. */
export function ErrorBox({ error, id = "error" }: { error: IpcError; id?: string }) {
  return (
    <div class="error" id={id} role="alert">
      <div class="msg">{humane(error)}</div>
      {error.advice && <div class="advice">{error.advice}</div>}
      <div class="code">错误代码 {error.code}</div>
    </div>
  );
}
