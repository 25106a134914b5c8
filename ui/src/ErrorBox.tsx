import type { IpcError } from "./backend";

/** The terminal's own message and code, and what to do next. */
export function ErrorBox({ error, id = "error" }: { error: IpcError; id?: string }) {
  return (
    <div class="error" id={id} role="alert">
      <div class="msg">{error.message}</div>
      {error.advice && <div class="advice">{error.advice}</div>}
      <div class="code">错误代码 {error.code}</div>
    </div>
  );
}
