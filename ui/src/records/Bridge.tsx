// 设置 → HIS 接口: where the bridge serves, its token, the requests it answered.

import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { BridgeInfo } from "../bindings/BridgeInfo";
import { ErrorBox } from "../ErrorBox";
import { usePoll } from "../poll";
import { ScrollingTable } from "./Table";
import "./Bridge.css";

/** How often 设置 re-reads the bridge while the tab is open. */
const REFRESH_MS = 3000;

/** The bridge's state, re-read every few seconds and whenever `refresh` changes (after 保存). */
export function useBridgeInfo(refresh: number): [BridgeInfo | null, (b: BridgeInfo) => void] {
  const [info, setInfo] = useState<BridgeInfo | null>(null);
  useEffect(() => {
    if (refresh) void backend.bridgeInfo().then(setInfo).catch(() => undefined);
  }, [refresh]);
  usePoll(true, REFRESH_MS, () => backend.bridgeInfo(), setInfo);
  return [info, setInfo];
}

/**
 * The whole token onto the clipboard. WebKit may refuse the async clipboard
 * once the click's gesture has passed (the token came over IPC first); the
 * old copy command still works there.
 */
async function writeClipboard(text: string) {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Fall through to the copy command.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw { code: "internal", message: "无法写入剪贴板", field: null, advice: "请检查系统剪贴板是否可用" } satisfies IpcError;
}

function serving(info: BridgeInfo) {
  if (info.serving) return <span class="ok">正在服务 {info.serving}</span>;
  if (info.error) return <span class="bad">未启动：{info.error}</span>;
  if (info.listen) return <span class="bad">未启动（{info.listen}）</span>;
  return <span class="muted">未启用（监听地址为空）</span>;
}

type StatusProps = { info: BridgeInfo | null; onInfo: (b: BridgeInfo) => void };

/** Serving or why not; the token, masked, with 复制 and 重新生成 (both audited). */
export function BridgeStatus({ info, onInfo }: StatusProps) {
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [confirming, setConfirming] = useState(false);
  if (!info) return <div class="muted">正在读取 HIS 接口状态…</div>;
  const act = async (what: () => Promise<string>) => {
    setNote(null);
    setError(null);
    try {
      setNote(await what());
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  const copy = () =>
    act(async () => {
      await writeClipboard(await backend.copyBridgeToken());
      return "已复制";
    });
  const rotate = () =>
    act(async () => {
      setConfirming(false);
      onInfo(await backend.rotateBridgeToken());
      return "已重新生成，请把新令牌交给 HIS";
    });
  const noToken = info.tokenMasked === null;
  return (
    <div class="bridge-status">
      {error && <ErrorBox error={error} id="bridge-error" />}
      <dl class="bridge-facts">
        <dt>状态</dt>
        <dd id="bridge-serving">{serving(info)}</dd>
        <dt>令牌</dt>
        <dd class="token-row">
          <code id="bridge-token">{info.tokenMasked ?? "—"}</code>
          <button type="button" class="secondary" id="copy-token" disabled={noToken} onClick={() => void copy()}>复制</button>
          <button type="button"
            class="secondary"
            id="rotate-token"
            disabled={noToken || info.tokenFromEnvironment || confirming}
            title={info.tokenFromEnvironment ? "令牌由环境变量 FACEPAY_BRIDGE_TOKEN 指定，不能在此重新生成" : undefined}
            onClick={() => setConfirming(true)}
          >
            重新生成
          </button>
          {note && <span class="note" id="bridge-note">{note}</span>}
        </dd>
        {info.tokenFromEnvironment && (
          <dd class="muted token-note">令牌由环境变量 FACEPAY_BRIDGE_TOKEN 指定，不能在此重新生成</dd>
        )}
        <dt>令牌文件</dt>
        <dd id="token-file">{info.tokenFile ?? "—"}</dd>
      </dl>
      {confirming && (
        <div class="confirm" id="rotate-confirm-box" role="alertdialog">
          <div class="warn-strong">重新生成后 HIS 必须换用新令牌，旧令牌立即失效。</div>
          <div class="actions">
            <button type="button" class="primary" id="rotate-confirm" onClick={() => void rotate()}>确定重新生成</button>
            <button type="button" class="secondary" id="rotate-cancel" onClick={() => setConfirming(false)}>取消</button>
          </div>
        </div>
      )}
    </div>
  );
}

/** The last requests the bridge answered, newest first: what IT reads when the HIS vendor says "we called you". */
export function BridgeRecent({ info }: { info: BridgeInfo | null }) {
  const recent = info?.recent ?? [];
  return (
    <section class="bridge-recent">
      <h3>HIS 最近请求</h3>
      <ScrollingTable
        id="bridge-recent"
        head={
          <tr>
            <th>时间</th><th>方法</th><th>路径</th><th class="num">状态</th><th class="num">耗时 ms</th><th>来源</th><th>错误代码</th>
          </tr>
        }
        columns={7}
        empty={recent.length > 0 ? null : info ? "还没有请求" : "…"}
      >
        {recent.map((r) => (
          <tr class={r.status >= 400 ? "owed" : ""}>
            <td>{r.at}</td>
            <td>{r.method}</td>
            <td>{r.path}</td>
            <td class="num">{r.status}</td>
            <td class="num">{r.millis}</td>
            <td>{r.client}</td>
            <td>{r.code ?? ""}</td>
          </tr>
        ))}
      </ScrollingTable>
    </section>
  );
}
