import { useEffect, useState } from "preact/hooks";
import { backend } from "../backend";
import type { AppInfo } from "../bindings/AppInfo";
import { useKeys } from "../keys";
import { Checkout } from "./Checkout";
import { StatusBar } from "./StatusBar";

/** The narrow panel docked beside the HIS. */
export function Panel() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [onTop, setOnTop] = useState(false);
  useEffect(() => void backend.appInfo().then(setInfo), []);
  // On the setup screen, notice when 设置 (in the other window) fix it.
  useEffect(() => {
    if (!info?.startupError) return;
    const timer = setInterval(() => void backend.appInfo().then(setInfo), 2000);
    return () => clearInterval(timer);
  }, [info?.startupError]);
  const open = (tab: string) => void backend.openRecords(tab);
  useKeys({ F6: () => open("history"), F7: () => open("day"), F8: () => open("pending"), F9: () => open("settings") });
  const toggleTop = () => {
    void backend.setAlwaysOnTop(!onTop);
    setOnTop(!onTop);
  };
  return (
    <div class="panel">
      <header class="bar">
        <div>
          <div class="title">医保刷脸收银台</div>
          <div class="sub">{info ? `${info.hospitalName} · ${info.officeName}` : "…"}</div>
        </div>
        <button class={`pin ${onTop ? "on" : ""}`} title="窗口置顶" onClick={toggleTop}>
          {onTop ? "已置顶" : "置顶"}
        </button>
      </header>
      {info?.demo && !info.startupError && <div class="demo" id="demo-banner">演示模式 · 模拟终端，不产生真实结算</div>}
      {info?.startupError ? (
        // A configuration that cannot be used never falls back to the
        // simulator for real patients: the counter is set up first.
        <main class="checkout">
          <section class="card error" id="setup-needed" role="alert">
            <div class="msg">设置有误，收银台未连接终端</div>
            <div>{info.startupError}</div>
            <div class="advice">请在“设置”中更正并保存（或联系信息科）；更正前不能刷脸和通知终端。</div>
            <button class="primary big" id="open-setup" onClick={() => open("settings")}>
              打开设置 <kbd>F9</kbd>
            </button>
          </section>
        </main>
      ) : (
        <main class="checkout">{info && <Checkout info={info} />}</main>
      )}
      <nav class="links">
        <button onClick={() => open("history")}>历史 <kbd>F6</kbd></button>
        <button onClick={() => open("day")}>日结 <kbd>F7</kbd></button>
        <button onClick={() => open("pending")}>待确认 <kbd>F8</kbd></button>
        <button onClick={() => open("settings")}>设置 <kbd>F9</kbd></button>
      </nav>
      <StatusBar onOpen={open} />
    </div>
  );
}
