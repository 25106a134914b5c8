import { describe, expect, it } from "vitest";
import type { SeatView } from "./bindings/SeatView";
import { pinProblem, sameSeat, staffIdProblem } from "./seat";

const seat = (id: string | null, locked = false): SeatView =>
  ({ operator: id ? { id, name: "林晓燕", role: "cashier" } : null, locked, needsFirstAdmin: false }) as SeatView;

describe("the seat", () => {
  it("is the same while operator and lock are", () => {
    expect(sameSeat(seat("0107"), seat("0107"))).toBe(true);
    expect(sameSeat(seat("0107"), seat("0107", true))).toBe(false);
    expect(sameSeat(seat("0107"), seat("0002"))).toBe(false);
    expect(sameSeat(null, seat(null))).toBe(false);
  });

  it("names a 工号 or PIN the engine would refuse", () => {
    expect(staffIdProblem(" 0107 ")).toBeNull();
    expect(staffIdProblem("")).toBe("请输入工号");
    expect(staffIdProblem("林")).toContain("字母、数字");
    expect(pinProblem("246810")).toBeNull();
    expect(pinProblem("12a4")).toContain("4–12 位数字");
  });
});
