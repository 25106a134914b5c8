import { expect, it } from "vitest";
import type { IpcError } from "./backend";
import { humane } from "./ErrorBox";

const error = (message: string, field: string | null): IpcError => ({ code: "validation", message, field, advice: null });

it("names a wire field as staff know it", () =>
  expect(humane(error("字段 totalFee（总费用）超过两位小数", "totalFee"))).toBe("总费用：超过两位小数"));

it("names a setting and a desk field too", () => {
  expect(humane(error("配置项 counterId：不能为空", "counterId"))).toBe("窗口编号：不能为空");
  expect(humane(error("字段 idLast4：应为证件号的后 4 位", "idLast4"))).toBe("证件号后4位：应为证件号的后 4 位");
});

it("leaves other messages as they are", () => {
  expect(humane(error("终端返回错误（代码 -2）：用户取消", null))).toBe("终端返回错误（代码 -2）：用户取消");
  expect(humane(error("字段 unknownThing：x", "unknownThing"))).toBe("字段 unknownThing：x");
});
