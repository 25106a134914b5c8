import { describe, expect, it } from "vitest";
import { parseWire, secondsSince, wireTime } from "./time";

describe("times as the wire writes them", () => {
  it("reads what an input or a person wrote", () => {
    expect(wireTime("2026-11-28T10:05")).toBe("2026-11-28 10:05:00");
    expect(wireTime("2026-11-28T10:05:03")).toBe("2026-11-28 10:05:03");
    expect(wireTime(" 2026-11-28 10:05:03 ")).toBe("2026-11-28 10:05:03");
  });

  it("counts seconds since a journal stamp, never negative", () => {
    const t = parseWire("2026-11-28 10:05:03.250");
    expect(t?.getMilliseconds()).toBe(250);
    const later = (t?.getTime() ?? 0) + 61_900;
    expect(secondsSince("2026-11-28 10:05:03.250", later)).toBe(61);
    expect(secondsSince("2026-11-28 10:05:03", 0)).toBe(0);
    expect(secondsSince("nonsense")).toBe(0);
  });
});
