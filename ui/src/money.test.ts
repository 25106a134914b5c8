import { describe, expect, it } from "vitest";
import { balanceWarning, fen, yuan } from "./money";

describe("amounts as the cashier types them", () => {
  it.each([
    ["120.5", 12050],
    ["120.50", 12050],
    [" 7 ", 700],
    ["0.01", 1],
    ["99999999.99", 9999999999],
  ])("%s is %i fen", (text, want) => expect(fen(text)).toBe(want));

  it.each(["", "-1", "0.001", "1e3", "1,000", "１２３", "120。50", "¥5", ".5", "5."])("%s is not an amount", (text) =>
    expect(fen(text)).toBeNull(),
  );

  it("writes fen back as the wire does", () => {
    expect(yuan(12050)).toBe("120.50");
    expect(yuan(5)).toBe("0.05");
    expect(yuan(-2050)).toBe("-20.50");
  });
});

describe("the settlement form's balance warning", () => {
  it("is silent when 自费 + 医保报销 + 个人帐户 make the 总费用", () =>
    expect(balanceWarning("120.50", "20.50", "80.00", "20.00")).toBeNull());

  it("names an account counted inside 医保报销", () =>
    expect(balanceWarning("100.00", "20.00", "80.00", "20.00")).toContain("似乎已含个人帐户"));

  it("says the sum otherwise, and nothing while a part is unreadable", () => {
    expect(balanceWarning("100.00", "10.00", "80.00", "0.00")).toContain("≠ 总费用 100.00");
    expect(balanceWarning("100.00", "x", "80.00", "0.00")).toBeNull();
  });
});
