// The HIS, played from the devtools console as `fakeHis` (see index.ts),
// and 设置 → HIS 接口 as the bridge would show it.

import type { BridgeInfo } from "../../bindings/BridgeInfo";
import type { Credential } from "../../bindings/Credential";
import type { Backend } from "../index";
import { amount, record } from "./records";
import { actor, fake, log, now, stampNow } from "./store";
import { authNoOf, DEMO_CHILD, DEMO_IDENTITY, outBizNo } from "./terminal";

const masked = (t: string) => `${t.slice(0, 4)}****${t.slice(-4)}`;
/** A request the bridge answered, newest first, the last 50 kept. */
function request(method: string, path: string, status: number, code: string | null = null) {
  fake.recent.unshift({ at: now(), method, path, status, millis: 3 + Math.floor(Math.random() * 40), client: "127.0.0.1 HIS-Demo/1.0", code });
  fake.recent.splice(50);
}
const bridgeInfo = (): BridgeInfo => {
  const listen = fake.settings.bridgeListen;
  return {
    listen: listen || null, serving: listen || null, error: null,
    tokenMasked: listen ? masked(fake.token) : null, tokenFile: listen ? "/tmp/facepay/bridge-token" : null,
    tokenFromEnvironment: false, hisNotify: fake.settings.hisNotify, recent: [...fake.recent],
  };
};

/** The HIS, played from the console. */
const fakeHis = {
  /** POST /v1/face-auth: the patient is identified after `ms`. */
  scan(ms = 4000, credential: Credential = "face") {
    fake.seq += 1;
    const seq = fake.seq;
    const code = credential === "qrcode";
    const path = code ? "/v1/qrcode" : "/v1/face-auth";
    const v = {
      visitId: seq, outBizNo: outBizNo(seq), authNo: code ? null : authNoOf(seq),
      identity: code ? DEMO_CHILD : DEMO_IDENTITY, credential, source: "his" as const,
    };
    fake.his = { visitId: v.visitId, outBizNo: v.outBizNo, state: "scanning", startedAt: stampNow(), authNo: null, identity: null, errorCode: null, errorMessage: null, credential };
    setTimeout(() => {
      if (fake.his?.visitId !== v.visitId) return;
      fake.his = { ...fake.his, state: "identified", authNo: v.authNo, identity: v.identity };
      fake.visits.set(v.outBizNo, v);
      request("POST", path, 201);
    }, ms);
    return v.outBizNo;
  },
  /** POST /v1/qrcode: a child's 医保码 (亲情账户), read after `ms`. */
  qrcode(ms = 4000) {
    return fakeHis.scan(ms, "qrcode");
  },
  /** POST /v1/face-auth ending in the terminal's refusal. */
  fail(message = "用户取消刷脸") {
    fakeHis.scan(60_000);
    if (fake.his) fake.his = { ...fake.his, state: "failed", errorCode: "-2", errorMessage: message };
    request("POST", "/v1/face-auth", 502, "terminal");
  },
  /** POST /v1/settlements for the HIS's newest identified visit. */
  settle(totalFee = "86.40") {
    const his = fake.his;
    if (his?.state !== "identified") {
      request("POST", "/v1/settlements", 404, "not_found");
      return null;
    }
    const s = fake.settings;
    const r = record({
      visitId: his.visitId, originalId: null, outBizNo: his.outBizNo, authNo: his.authNo, state: "SUCCESS",
      officeId: s.officeId, officeName: s.officeName, doctorName: null, bizType: "register",
      userName: his.identity?.userName ?? null, idNo: his.identity?.idNo ?? null, selfPay: false, totalFee: amount("totalFee", totalFee),
      ownAmt: null, hifAmt: null, acctAmt: null, hifpAmt: null, medicalSettleNo: "441700G0000077777777", failReason: null,
      setlTime: now(), refundedFee: "0.00", refundableFee: amount("totalFee", totalFee), source: "his", credential: his.credential,
    }, s.hisNotify === "cashier" ? "held" : "delivered");
    request("POST", "/v1/settlements", 201);
    return r;
  },
};
declare global {
  interface Window { fakeHis?: typeof fakeHis }
}
// Only where the fake is the backend: inside Tauri the real HIS drives the panel.
if (typeof window !== "undefined" && !("__TAURI_INTERNALS__" in window)) window.fakeHis = fakeHis;

export const hisCommands: Pick<Backend, "hisActivity" | "bridgeInfo" | "copyBridgeToken" | "rotateBridgeToken"> = {
  hisActivity: async () => {
    const his = fake.his;
    return his && { ...his, settlements: fake.rows.filter((r) => r.visitId === his.visitId).reverse() };
  },
  bridgeInfo: async () => bridgeInfo(),
  copyBridgeToken: async () => {
    log(actor(), "bridge_token_copied", null, "设置 → HIS 接口 → 复制");
    return fake.token;
  },
  rotateBridgeToken: async () => {
    fake.token = `fpb_${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
    log(actor(), "bridge_token_rotated", null, `设置 → HIS 接口 → 重新生成; now ${masked(fake.token)}`);
    return bridgeInfo();
  },
};
