// The in-browser fake answers like the app: who may do what, the idle
// lock, PIN lockouts, settlements and refunds, the HIS and its held
// settlements. Each case starts a fresh fake (its state is the module's).

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { IpcError } from "../bindings/IpcError";
import type { SettleNotifyDraft } from "../bindings/SettleNotifyDraft";
import type { Backend } from "./index";

type Fresh = { fake: Backend; his: NonNullable<Window["fakeHis"]> };

/** A new fake, as a page load starts one: no operator, empty journal. */
async function fresh(): Promise<Fresh> {
  vi.resetModules();
  const w = {} as Window;
  vi.stubGlobal("window", w);
  const { fakeBackend } = await import("./fake");
  if (!w.fakeHis) throw new Error("the fake HIS is not on window");
  return { fake: fakeBackend, his: w.fakeHis };
}

/** The answer once every timer it waits on has run. */
async function settled<T>(p: Promise<T>): Promise<T> {
  const out = p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  await vi.runAllTimersAsync();
  const r = await out;
  if (!r.ok) throw r.e;
  return r.v;
}

/** The rejection's error code, or "resolved". */
const code = (p: Promise<unknown>) => settled(p).then(() => "resolved", (e: IpcError) => e.code);

async function admin(fake: Backend) {
  await settled(fake.createFirstAdmin({ id: "0001", name: "林晓燕", role: "admin", pin: "1234" }));
}

const draft = (outBizNo: string, totalFee: string, more: Partial<SettleNotifyDraft> = {}): SettleNotifyDraft => ({
  outBizNo, medicalSettleState: "SUCCESS", selfPay: false, totalFee, bizType: "", operatorId: "", operatorName: "",
  setlTime: "", hospitalName: "", ...more,
});

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date(2026, 10, 28, 9, 30, 0));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("who may call what", () => {
  it("admits every method by the generated command table", async () => {
    const { ACCESS } = await import("../generated/commands");
    const { commandOf } = await import("./fake/access");
    const { fakeBackend } = await import("./fake");
    const methods = Object.keys(fakeBackend) as (keyof typeof fakeBackend)[];
    expect(methods.length).toBe(Object.keys(ACCESS).length);
    for (const m of methods) expect(ACCESS[commandOf(m)], m).toBeDefined();
  });
});

describe("the seat", () => {
  it("starts with no operator: the first one made is the administrator, seated at once", async () => {
    const { fake } = await fresh();
    expect((await fake.seat()).needsFirstAdmin).toBe(true);
    expect(await code(fake.history({}))).toBe("not_signed_in");
    expect(await code(fake.createFirstAdmin({ id: "0001", name: "林晓燕", role: "cashier", pin: "1234" }))).toBe("validation");
    await admin(fake);
    const seat = await fake.seat();
    expect(seat.operator).toEqual({ id: "0001", name: "林晓燕", role: "admin" });
    expect(seat.needsFirstAdmin).toBe(false);
  });

  it("locks after the default idle time of the real app, 5 minutes; polls do not count as activity", async () => {
    const { fake } = await fresh();
    await admin(fake);
    expect((await fake.seat()).idleLockMinutes).toBe(5);
    vi.advanceTimersByTime(4 * 60_000);
    await fake.hisActivity();
    expect((await fake.seat()).locked).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect((await fake.seat()).locked).toBe(true);
    expect(await code(fake.history({}))).toBe("seat_locked");
    expect(await code(fake.unlock("9999"))).toBe("wrong_pin");
    await settled(fake.unlock("1234"));
    expect((await fake.seat()).locked).toBe(false);
  });

  it("locks a 工号 out after 5 wrong PINs, for 5 minutes", async () => {
    const { fake } = await fresh();
    await admin(fake);
    await settled(fake.handOver());
    for (let left = 4; left > 0; left--) {
      await expect(settled(fake.signIn("0001", "0000"))).rejects.toMatchObject({ code: "wrong_pin", message: expect.stringContaining(`再错 ${left} 次将锁定 5 分钟`) });
    }
    expect(await code(fake.signIn("0001", "0000"))).toBe("pin_locked");
    expect(await code(fake.signIn("0001", "1234"))).toBe("pin_locked");
    vi.advanceTimersByTime(5 * 60_000 + 1000);
    expect((await settled(fake.signIn("0001", "1234"))).id).toBe("0001");
  });

  it("refuses a cashier the administrator's commands and an unmasked export", async () => {
    const { fake } = await fresh();
    await admin(fake);
    await fake.addOperator({ id: "0107", name: "欧阳敏", role: "cashier", pin: "5678" });
    await settled(fake.signIn("0107", "5678"));
    expect(await code(fake.listOperators())).toBe("forbidden");
    expect(await code(fake.getSettings())).toBe("forbidden");
    expect(await code(fake.export({ from: "2026-11-28", to: "2026-11-28", format: "csv", unmasked: true }, () => undefined))).toBe("forbidden");
    expect(await code(fake.export({ from: "2026-11-28", to: "2026-11-28", format: "csv", unmasked: false }, () => undefined))).toBe("resolved");
    expect(await code(fake.auditLog({ from: null, to: null, operatorId: null, action: null, beforeId: null, limit: null }))).toBe("forbidden");
  });

  it("keeps the only administrator, and audits what was done", async () => {
    const { fake } = await fresh();
    await admin(fake);
    expect(await code(fake.updateOperator("0001", { role: "cashier" }))).toBe("validation");
    await fake.addOperator({ id: "0107", name: "欧阳敏", role: "cashier", pin: "5678" });
    expect(await code(fake.addOperator({ id: "0107", name: "欧阳敏", role: "cashier", pin: "5678" }))).toBe("invalid_input");
    const log = await fake.auditLog({ from: null, to: null, operatorId: null, action: null, beforeId: null, limit: null });
    expect(log.map((e) => e.action)).toEqual(["create_operator", "sign_in", "create_operator"]);
  });
});

describe("the terminal", () => {
  it("fails every other face scan towards the 医保码, whose scans alternate the child and the adult", async () => {
    const { fake } = await fresh();
    await admin(fake);
    const first = await settled(fake.faceAuth());
    expect(first.identity.userName).toBe("陈**");
    await expect(settled(fake.faceAuth())).rejects.toMatchObject({ code: "terminal", fallback: "qrcode" });
    const child = await settled(fake.qrcode());
    expect([child.credential, child.identity.ageLabel, child.authNo]).toEqual(["qrcode", "1岁", null]);
    expect((await settled(fake.qrcode())).identity.userName).toBe("陈**");
    expect((await fake.revealIdentity(child.visitId)).userName).toBe("黄梓睿");
  });

  it("cancels a scan under way", async () => {
    const { fake } = await fresh();
    await admin(fake);
    const scan = fake.faceAuth();
    await fake.cancelFaceAuth();
    await expect(settled(scan)).rejects.toMatchObject({ code: "cancelled" });
  });
});

describe("settlements", () => {
  it("records a settlement, refunds it in part, and nets the day", async () => {
    const { fake } = await fresh();
    await admin(fake);
    const visit = await settled(fake.faceAuth());
    expect(await code(fake.notify(draft(visit.outBizNo, "abc")))).toBe("validation");
    const r = await settled(fake.notify(draft(visit.outBizNo, "100", { hifAmt: "80", acctAmt: "20" })));
    expect([r.state, r.delivery.status]).toEqual(["SUCCESS", "delivered"]);
    const refund = await fake.refundDraft(r.settlementId);
    expect(refund.refundable).toBe("100.00");
    expect(await code(fake.refund({ ...refund.request, totalFee: "120" }))).toBe("validation");
    await settled(fake.refund({ ...refund.request, totalFee: "30", hifAmt: "30", acctAmt: "" }));
    const page = await fake.history({});
    expect(page.rows.map((x) => [x.id, x.state, x.totalFee, x.refundableFee])).toEqual([
      [2, "REFUND_SUCCESS", "30.00", null],
      [1, "SUCCESS", "100.00", "70.00"],
    ]);
    const [day] = await fake.summary(page.rows[0].businessDay);
    expect([day.net.totalFee, day.net.hifAmt, day.netInsured.totalFee, day.netSelfPay.totalFee]).toEqual(["70.00", "50.00", "70.00", "0.00"]);
    // 收 1 · 退 1, as facepay-journal counts a net.
    expect([day.net.count, day.net.refundCount]).toEqual([1, 1]);
    const detail = await fake.visitDetail(visit.outBizNo);
    expect(detail.settlements.map((x) => x.id)).toEqual([1, 2]);
    const shift = await fake.shiftSummary();
    expect(shift.net.totalFee).toBe("70.00");
    expect((await fake.closeDay(page.rows[0].businessDay)).closedBy).toBe("0001");
  });

  it("keeps 医保 amounts off a 自费 settlement", async () => {
    const { fake } = await fresh();
    await admin(fake);
    const visit = await settled(fake.faceAuth());
    await settled(fake.notify(draft(visit.outBizNo, "50", { selfPay: true, hifAmt: "40" })));
    const [row] = (await fake.history({})).rows;
    expect([row.selfPay, row.ownAmt, row.hifAmt, row.acctAmt, row.medicalSettleNo]).toEqual([true, "50.00", "0.00", "0.00", null]);
  });
});

describe("the HIS", () => {
  it("scans through the bridge, and its settlement waits for F4 when 设置 says so", async () => {
    const { fake, his } = await fresh();
    await admin(fake);
    expect(await fake.hisActivity()).toBeNull();
    const outBizNo = his.scan(1000);
    expect((await fake.hisActivity())?.state).toBe("scanning");
    vi.advanceTimersByTime(1000);
    const seen = await fake.hisActivity();
    expect([seen?.outBizNo, seen?.state, seen?.identity?.userName]).toEqual([outBizNo, "identified", "陈**"]);
    const receipt = his.settle("86.40");
    expect(receipt?.delivery.status).toBe("held");
    expect((await fake.status()).held).toBe(1);
    await settled(fake.releaseSettlement(receipt?.settlementId ?? 0));
    expect((await fake.hisActivity())?.settlements.map((s) => s.delivery)).toEqual(["delivered"]);
    expect(await code(fake.releaseSettlement(receipt?.settlementId ?? 0))).toBe("validation");
    const bridge = await fake.bridgeInfo();
    expect(bridge.recent.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual(["POST /v1/settlements 201", "POST /v1/face-auth 201"]);
    expect(bridge.tokenMasked).toBe("fpb_****6789");
  });

  it("says its scan failed", async () => {
    const { fake, his } = await fresh();
    await admin(fake);
    his.fail("用户取消刷脸");
    const a = await fake.hisActivity();
    expect([a?.state, a?.errorMessage]).toEqual(["failed", "用户取消刷脸"]);
    expect(his.settle()).toBeNull();
  });
});

describe("settings", () => {
  it("lets the setup screen save settings with nobody signed in, then asks for an administrator", async () => {
    vi.stubGlobal("location", { search: "?setup", hash: "" });
    const { fake } = await fresh();
    expect((await fake.appInfo()).startupError).toContain("?setup");
    const form = await fake.getSettings();
    const info = await fake.saveSettings({ ...form, counterId: "W02" });
    expect([info.counterId, info.startupError]).toEqual(["W02", null]);
    expect(await code(fake.getSettings())).toBe("not_signed_in");
  });
});
