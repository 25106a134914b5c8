// The fake terminal: 刷脸 and 扫码 answered after a moment, the demo
// patients it reads, and what 显示 reveals of them.

import type { Credential } from "../../bindings/Credential";
import type { FaceAuthOutcome } from "../../bindings/FaceAuthOutcome";
import type { IpcError } from "../../bindings/IpcError";
import type { RevealedIdentity } from "../../bindings/RevealedIdentity";
import { today } from "../../time";
import type { Backend } from "../index";
import { notFound } from "./errors";
import { actor, fake, log } from "./store";

/** How long the terminal takes to read a face or a 医保码. */
const SCAN_MS = 1500;

export const DEMO_IDENTITY = { userName: "陈**", idNo: "**************123*", idType: "居民身份证", gender: "男", age: 38, ageLabel: "38岁", insuOrg: "441702" };
/** A 亲情账户 child read from a parent's phone. */
export const DEMO_CHILD = { userName: "黄**", idNo: "**************241*", idType: "居民身份证", gender: "男", age: 1, ageLabel: "1岁", insuOrg: "441702" };
/** What 显示 reveals, by the masked 证件号 the card shows. */
const FULL: Record<string, RevealedIdentity> = {
  [DEMO_IDENTITY.idNo]: { userName: "陈家明", idNo: "44170219880314123X", ageLabel: "38岁" },
  [DEMO_CHILD.idNo]: { userName: "黄梓睿", idNo: "441702202406182417", ageLabel: "1岁5个月" },
};

export const outBizNo = (n: number) => `H44170200001-W01-${today().replace(/-/g, "")}-${String(n).padStart(8, "0")}`;
/** The 实人认证 number of a face scan. */
export const authNoOf = (n: number) => `ano${String(n).padStart(25, "0")}`;

/** Every other fake face scan fails as a terminal that cannot use the face does. */
let faceTries = 0;
/** 医保码 scans alternate between the child and an adult whose face failed. */
let codeTries = 0;
/** Ends the scan under way, if any. */
let cancel: (() => void) | null = null;

/** The terminal's answer after SCAN_MS (`read` throws its refusal), unless cancelled first. */
function scan(read: () => FaceAuthOutcome): Promise<FaceAuthOutcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      try {
        resolve(read());
      } catch (e) {
        reject(e);
      }
    }, SCAN_MS);
    cancel = () => {
      clearTimeout(timer);
      reject({ code: "cancelled", message: "已取消等待", field: null, advice: null } satisfies IpcError);
    };
  });
}

/** A new visit of the panel's, identified. */
function identified(credential: Credential, identity: FaceAuthOutcome["identity"], authNo: string | null): FaceAuthOutcome {
  const v: FaceAuthOutcome = { visitId: fake.seq, outBizNo: outBizNo(fake.seq), authNo, credential, identity };
  fake.visits.set(v.outBizNo, { ...v, source: "panel" });
  return v;
}

export const terminalCommands: Pick<Backend, "faceAuth" | "qrcode" | "cancelFaceAuth" | "fetchIdentity" | "revealIdentity"> = {
  faceAuth: () =>
    scan(() => {
      fake.seq += 1;
      faceTries += 1;
      if (faceTries % 2 === 0) {
        throw {
          code: "terminal", message: "终端返回错误（代码 2002）：人脸识别失败：无法识别人脸，请改用医保码", field: null,
          advice: "终端无法识别人脸：请改用医保码（F3），请患者或家长出示医保电子凭证", fallback: "qrcode",
        } satisfies IpcError;
      }
      return identified("face", DEMO_IDENTITY, authNoOf(fake.seq));
    }),
  qrcode: () =>
    scan(() => {
      fake.seq += 1;
      codeTries += 1;
      return identified("qrcode", codeTries % 2 === 1 ? DEMO_CHILD : DEMO_IDENTITY, null);
    }),
  cancelFaceAuth: async () => {
    cancel?.();
    cancel = null;
    return true;
  },
  fetchIdentity: async () => {
    throw notFound("假后端不支持");
  },
  revealIdentity: async (visitId) => {
    log(actor(), "reveal_identity", `visit:${visitId}`);
    const v = [...fake.visits.values()].find((x) => x.visitId === visitId);
    return FULL[v?.identity.idNo ?? ""] ?? FULL[DEMO_IDENTITY.idNo];
  },
};
