import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend, type IpcError } from "../backend";
import type { SettingsForm } from "../bindings/SettingsForm";
import { ErrorBox } from "../ErrorBox";
import { BIZ_TYPES, BUSINESS_TYPES, CHARSETS, HIS_NOTIFIES, TRANSPORTS } from "../labels";
import { wholeNumber } from "../numbers";
import { BridgeRecent, BridgeStatus, useBridgeInfo } from "./Bridge";
import "./Settings.css";

const NUMBER_LABELS = { faceAuthTimeout: "刷脸超时（秒）", otherTimeout: "其他交易超时（秒）" } as const;
const numberLabel = (k: keyof SettingsForm): string => (k in NUMBER_LABELS ? NUMBER_LABELS[k as keyof typeof NUMBER_LABELS] : k);


/** 设置: validated with the field named; 测试连接 sends no transaction; HIS 接口 below. */
export function Settings() {
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  /** Bumped on 保存: the bridge may have moved or stopped. */
  const [saved, setSaved] = useState(0);
  const [bridge, setBridge] = useBridgeInfo(saved);
  /** Number fields as typed (full-width digits from a Chinese IME included), until they read as whole seconds. */
  const [typed, setTyped] = useState<Partial<Record<keyof SettingsForm, string>>>({});
  useEffect(() => void backend.getSettings().then(setForm), []);
  if (!form) return <div class="muted">…</div>;
  const set = (k: keyof SettingsForm, numeric = false) => (e: Event) => {
    const v = (e.target as HTMLInputElement).value;
    if (!numeric) return setForm({ ...form, [k]: v });
    setTyped({ ...typed, [k]: v });
    const n = wholeNumber(v);
    if (n !== null) setForm({ ...form, [k]: n });
  };
  const text = (k: keyof SettingsForm, label: string, numeric = false) => (
    <label class={error?.field === k ? "bad" : ""}>
      <span>{label}</span>
      <input name={k} value={numeric ? (typed[k] ?? String(form[k])) : String(form[k])} inputMode={numeric ? "numeric" : undefined} onInput={set(k, numeric)} />
    </label>
  );
  /** A number field that does not read as whole seconds, said with its field before anything is sent. */
  const unreadable = (): IpcError | null => {
    for (const [k, v] of Object.entries(typed) as [keyof SettingsForm, string][]) {
      if (wholeNumber(v) === null) return { code: "invalid_input", message: `${numberLabel(k)}应为整数（秒），如 120`, field: k, advice: null };
    }
    return null;
  };
  const choose = (k: keyof SettingsForm, label: string, options: [string, string][]) => (
    <label class={error?.field === k ? "bad" : ""}>
      <span>{label}</span>
      <select name={k} value={String(form[k])} onChange={set(k)}>
        {options.map(([c, l]) => <option value={c}>{l}</option>)}
      </select>
    </label>
  );
  const run = async (what: "save" | "test") => {
    setError(null);
    setNote(null);
    const bad = unreadable();
    if (bad) return setError(bad);
    try {
      if (what === "save") {
        const info = await backend.saveSettings(form);
        setNote(`已保存。当前终端：${info.transport}`);
        setSaved(saved + 1);
        dispatchEvent(new Event("facepay:changed"));
      } else {
        const r = await backend.testConnection(form);
        setNote(r.message);
      }
    } catch (e) {
      setError(asIpcError(e));
    }
  };
  return (
    <div class="settings" id="settings">
      {error && <ErrorBox error={error} />}
      {note && <div class="note" id="settings-note">{note}</div>}
      <div class="form-grid settings-grid">
        {text("orgId", "医保定点机构代码")}
        {text("hospitalName", "机构名称")}
        {text("counterId", "窗口编号")}
        {text("operatorId", "收款员编号")}
        {text("operatorName", "收款员姓名")}
        {text("officeId", "医保科室编号")}
        {text("officeName", "科室名称")}
        {choose("businessType", "默认用码业务类型", BUSINESS_TYPES.map(([c, l]) => [c, `${c} ${l}`]))}
        {choose("bizType", "默认业务场景", BIZ_TYPES)}
        {choose("transport", "终端连接方式", TRANSPORTS)}
        {form.transport === "http" && text("httpUrl", "终端接口地址")}
        {form.transport === "http" && choose("httpCharset", "终端回复字符集（未声明时）", CHARSETS)}
        {/* The host kind loads the same DLL, through nation-ec-host the panel starts. */}
        {(form.transport === "library" || form.transport === "host") && text("libraryPath", "动态库路径")}
        {(form.transport === "library" || form.transport === "host") && text("centerUrl", "电子凭证中台地址")}
        {text("faceAuthTimeout", NUMBER_LABELS.faceAuthTimeout, true)}
        {text("otherTimeout", NUMBER_LABELS.otherTimeout, true)}
      </div>
      <section class="bridge-settings" id="bridge-settings">
        <h3>HIS 接口</h3>
        <div class="form-grid settings-grid">
          <label class={error?.field === "bridgeListen" ? "bad" : ""}>
            <span>监听地址（留空 = 不启用）</span>
            <input name="bridgeListen" value={form.bridgeListen} placeholder="127.0.0.1:17321" onInput={set("bridgeListen")} />
            <small class="hint">仅本机地址：HIS 须与收银台在同一台电脑上</small>
          </label>
          {choose("hisNotify", "HIS 推送的结算", HIS_NOTIFIES)}
        </div>
        <BridgeStatus info={bridge} onInfo={setBridge} />
      </section>
      <div class="actions">
        <button type="button" class="secondary" id="test-connection" onClick={() => void run("test")}>测试连接</button>
        <button type="button" class="primary" id="save-settings" onClick={() => void run("save")}>保存</button>
      </div>
      <BridgeRecent info={bridge} />
    </div>
  );
}
