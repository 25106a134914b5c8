import type { RecordsTab } from "../bindings/RecordsTab";
import { useEffect, useState } from "preact/hooks";
import { asIpcError, backend } from "../backend";
import type { AppInfo } from "../bindings/AppInfo";
import type { SeatView } from "../bindings/SeatView";
import { useKeys } from "../keys";
import { timed } from "../marks";
import { recheckSeat, sameSeat, useSeat } from "../seat";
import { Checkout } from "./Checkout";
import { Gate } from "./Gate";
import { ChangePinDialog, HandOverDialog, OperatorBar } from "./Shift";
import { StatusBar } from "./StatusBar";
import { usePoll } from "../poll";
import "../modal.css";
import "./Panel.css";

/** How often the setup screen asks whether 设置 has fixed the configuration. */
const SETUP_MS = 2000;

type Dialog = "hand-over" | "change-pin" | "about" | null;

/** The narrow panel docked beside the HIS. */
export function Panel() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [onTop, setOnTop] = useState(false);
  const [dialog, setDialog] = useState<Dialog>(null);
  // No poll of its own: the status bar's (every 5 s) brings the seat too.
  const [seat, refreshSeat] = useSeat(0);
  useEffect(() => void backend.appInfo().then(setInfo), []);
  // On the setup screen, notice when 设置 (in the other window) fix it.
  usePoll(info?.startupError != null, SETUP_MS, () => backend.appInfo(), setInfo);
  const setup = info?.startupError != null;
  const op = seat?.operator ?? null;
  const ready = !setup && op !== null && !seat?.locked;
  const admin = ready && op?.role === "admin";
  // 财务/信息科 takes no payments here: the panel only leads to 全院.
  const finance = ready && op?.role === "finance";
  const counter = ready && !finance;
  // The status bar's answer may be older than what the gate just did
  // (解锁): it only says "look again", the seat's own answer decides.
  const fromStatus = (s: SeatView) => {
    if (!sameSeat(s, seat)) recheckSeat();
  };
  /** After 登录, 解锁, 交班: the seat and the status bar's operator are new. */
  const seatChanged = () => {
    refreshSeat();
    dispatchEvent(new Event("facepay:changed"));
  };
  const open = (tab: RecordsTab) => void backend.openRecords(tab).catch(() => undefined);
  const lock = async () => {
    try {
      await backend.lock();
    } catch (e) {
      // Nobody to lock any more (交班 elsewhere, 停用): the gate shows why.
      if (asIpcError(e).code !== "not_signed_in") return;
    }
    setDialog(null);
    seatChanged();
  };
  const idle = ready && dialog === null;
  const idleCounter = counter && dialog === null;
  useKeys({
    F6: idleCounter ? timed("F6", () => open("history")) : undefined,
    F7: idleCounter ? timed("F7", () => open("day")) : undefined,
    F8: idleCounter ? () => open("pending") : undefined,
    F9: setup || (idle && admin) ? () => open("settings") : undefined,
    F12: idle ? () => void lock() : undefined,
  });
  // A dialog left open over a seat that was locked or emptied meanwhile would act for nobody.
  useEffect(() => {
    if (!ready && dialog === "change-pin") setDialog(null);
  }, [ready, dialog]);
  const toggleTop = () => {
    void backend.setAlwaysOnTop(!onTop);
    setOnTop(!onTop);
  };
  return (
    <div class="panel">
      <header class="panel-header">
        <div>
          <div class="panel-title">医保刷脸收银台</div>
          <div class="panel-subtitle">{info ? `${info.hospitalName} · ${info.officeName}` : "…"}</div>
        </div>
        <button type="button" class={`header-button ${onTop ? "on" : ""}`} title="窗口置顶" onClick={toggleTop}>
          {onTop ? "已置顶" : "置顶"}
        </button>
        <button type="button" class="header-button" id="about" title="关于本程序" onClick={() => setDialog("about")}>
          关于
        </button>
        {ready && op && (
          <OperatorBar operator={op} onLock={() => void lock()} onHandOver={() => setDialog("hand-over")} onChangePin={() => setDialog("change-pin")} />
        )}
      </header>
      {info?.demo && !info.startupError && <div class="demo-banner" id="demo-banner">演示模式 · 模拟终端，不产生真实结算</div>}
      {setup ? (
        // A configuration that cannot be used never falls back to the
        // simulator for real patients: the counter is set up first.
        <main class="panel-main">
          <section class="card error" id="setup-needed" role="alert">
            <div class="msg">设置有误，收银台未连接终端</div>
            <div>{info.startupError}</div>
            <div class="advice">请在“设置”中更正并保存（或联系信息科）；更正前不能刷脸和通知终端。</div>
            <button type="button" class="primary big" id="open-setup" onClick={() => open("settings")}>
              打开设置 <kbd>F9</kbd>
            </button>
          </section>
        </main>
      ) : (
        <main class="panel-main">
          {info && (
            <Gate seat={seat} onChange={seatChanged}>
              {(locked) =>
                finance ? <FinanceHome onOpen={() => open("hospital")} /> : <Checkout info={info} paused={locked || dialog !== null} />
              }
            </Gate>
          )}
        </main>
      )}
      {(setup || ready) && (
        <nav class="panel-nav">
          {counter && <button type="button" id="open-history" onClick={() => open("history")}>历史 <kbd>F6</kbd></button>}
          {counter && <button type="button" id="open-day" onClick={() => open("day")}>日结 <kbd>F7</kbd></button>}
          {counter && <button type="button" id="open-pending" onClick={() => open("pending")}>待确认 <kbd>F8</kbd></button>}
          {finance && <button type="button" id="open-hospital" onClick={() => open("hospital")}>全院</button>}
          {(setup || admin) && <button type="button" id="open-settings" onClick={() => open("settings")}>设置 <kbd>F9</kbd></button>}
        </nav>
      )}
      <StatusBar onOpen={open} onSeat={fromStatus} />
      {dialog === "hand-over" && (
        <HandOverDialog
          onCancel={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            seatChanged();
          }}
        />
      )}
      {dialog === "change-pin" && <ChangePinDialog onClose={() => setDialog(null)} />}
      {dialog === "about" && info && <AboutDialog info={info} onClose={() => setDialog(null)} />}
    </div>
  );
}

/** What 财务/信息科 sees at a counter: no payments, the way to 全院. */
function FinanceHome({ onOpen }: { onOpen: () => void }) {
  return (
    <section class="card" id="finance-home">
      <div class="msg">财务/信息科账号不在收银台收费</div>
      <div class="advice">全院的收银台、日结和对账差异在记录窗口的“全院”页。收费请收款员登录（交班后换人）。</div>
      <button type="button" class="primary big" id="open-hospital-home" onClick={onOpen}>
        打开全院
      </button>
    </section>
  );
}

/** 关于: which build runs here — what IT is asked first on the phone. */
function AboutDialog({ info, onClose }: { info: AppInfo; onClose: () => void }) {
  useKeys({ Escape: onClose });
  return (
    <div class="modal-backdrop">
      <section class="modal narrow" id="about-dialog" role="dialog" aria-modal="true" aria-labelledby="about-title">
        <h2 id="about-title">医保刷脸收银台</h2>
        <dl class="about">
          <dt>版本</dt>
          <dd id="about-version">{info.version}</dd>
          <dt>医院</dt>
          <dd>{info.hospitalName}</dd>
          <dt>窗口</dt>
          <dd>{info.counterId} · {info.officeName}</dd>
          <dt>终端</dt>
          <dd>{info.demo ? "演示模式（模拟终端）" : info.transport}</dd>
        </dl>
        <button type="button" class="primary big" id="about-close" onClick={onClose}>
          关闭 <kbd>Esc</kbd>
        </button>
      </section>
    </div>
  );
}
