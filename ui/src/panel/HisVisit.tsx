// The panel following the HIS: a scan the HIS started through the bridge,
// and the settlement it pushed, shown like the cashier's own but marked.

import { useEffect, useState } from "preact/hooks";
import type { DeliveryStatus } from "../bindings/DeliveryStatus";
import type { HisActivity } from "../bindings/HisActivity";
import type { SettlementRow } from "../bindings/SettlementRow";
import { deliveryLabel, sourceLabel, stateLabel, visitStateLabel } from "../labels";
import { PayKind } from "../PayKind";
import { secondsSince } from "../time";
import "./HisVisit.css";

/** The HIS's scan is still going on: the terminal is scanning or the identity is being fetched. */
export const inProgress = (a: HisActivity) => a.state === "scanning" || a.state === "authorized";

/**
 * The settlement the panel talks about: the oldest one still held for F4
 * (they are released in the order the HIS pushed them), else the newest.
 */
export const focusOf = (settlements: SettlementRow[]): SettlementRow | null =>
  settlements.find((s) => s.delivery === "held") ?? settlements[settlements.length - 1] ?? null;

/** Whose visit this is, on every screen of it. */
export function HisStrip({ activity }: { activity: HisActivity }) {
  return (
    <div class="his-strip" id="his-badge">
      <span class="his-tag">HIS 发起</span>
      <span class="his-state">{visitStateLabel(activity.state)}</span>
      <span class="his-no" title={activity.outBizNo}>{activity.outBizNo}</span>
    </div>
  );
}

/** What the HIS asked the terminal to read (POST /v1/face-auth or /v1/qrcode). */
const scanWord = (a: HisActivity) => (a.credential === "qrcode" ? "扫码" : "刷脸");

/** The HIS's scan: no 取消 here, the HIS owns it (and its timeout). */
export function HisWaiting({ activity }: { activity: HisActivity }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, []);
  const scanning = activity.state === "scanning";
  const ask = activity.credential === "qrcode" ? "请患者（或家长）在终端上出示医保码" : "请患者在终端上刷脸";
  return (
    <div class="waiting his" id="his-waiting">
      <div class="spinner" />
      <div class="big">{scanning ? `${ask}…` : "已授权，正在获取身份…"}</div>
      <div class="his-note">{scanning ? `由 HIS 发起，${ask}` : "由 HIS 发起，请稍候"}</div>
      <div class="elapsed">已等待 {secondsSince(activity.startedAt, now)} 秒</div>
    </div>
  );
}

/** The HIS's scan failed, or ended without an answer (待确认, never counted as failed). */
export function HisProblem({ activity }: { activity: HisActivity }) {
  const failed = activity.state === "failed";
  const word = scanWord(activity);
  return (
    <div class="error" id="his-error" role="alert">
      <div class="msg">{failed ? `HIS 发起的${word}失败` : `HIS 发起的${word}结果未知`}</div>
      {activity.errorMessage && (
        <div>
          {activity.errorMessage}
          {activity.errorCode && <span class="code">（代码 {activity.errorCode}）</span>}
        </div>
      )}
      <div class="advice">
        {failed
          ? `请让 HIS 重新发起${word}`
          : `终端没有答复，结果待确认（待确认 F8）；HIS 可稍后查询本次就诊或重新发起${word}`}
      </div>
    </div>
  );
}

const DELIVERED: Record<DeliveryStatus, string> = {
  delivered: "已通知终端",
  held: "等待收款员确认",
  pending: "终端暂未收到，系统会自动重发",
  gave_up: "终端未收到，请在历史（F6）中重发",
};

type SettlementProps = {
  /** The visit's settlements, oldest first. */
  settlements: SettlementRow[];
  releasing: boolean;
  onRelease: () => void;
};

/** What the HIS pushed for this visit and whether the terminal has it; F4 releases a held one. */
export function HisSettlement({ settlements, releasing, onRelease }: SettlementProps) {
  const s = focusOf(settlements);
  if (!s) return null;
  const refund = s.state === "REFUND_SUCCESS" || s.state === "REFUND_FAIL";
  const who = s.source === "his" ? "HIS 已推送" : `${sourceLabel(s.source)}已记录`;
  const others = settlements.filter((o) => o.id !== s.id);
  return (
    <div class={`receipt his ${s.delivery}`} id="his-settlement">
      <div class="big">
        {who}{refund ? "退费" : "结算"}，{DELIVERED[s.delivery]}
      </div>
      <div class="his-total">
        总费用 <strong>{s.totalFee}</strong> 元
      </div>
      <div>
        {stateLabel(s.state)} <PayKind selfPay={s.selfPay} /> · <span class="delivery">{deliveryLabel(s.delivery)}</span>
      </div>
      {s.failReason && <div class="warn">失败原因：{s.failReason}</div>}
      {s.delivery === "held" && (
        <button type="button" class="primary release" id="release-held" disabled={releasing} onClick={onRelease}>
          {releasing ? "正在通知终端…" : "通知终端"} <kbd>F4</kbd>
        </button>
      )}
      <div class="muted">结算时间 {s.setlTime} · 结算 #{s.id}</div>
      {others.length > 0 && (
        <div class="his-others">
          {others.map((o) => (
            <div>
              结算 #{o.id} {stateLabel(o.state)} {o.totalFee} 元 · {deliveryLabel(o.delivery)}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
