// 全院 in the browser: the fake is a counter without a hospital server, and
// answers as such a counter does.

import type { Backend } from "../index";
import { fail } from "./errors";

const notConfigured = () =>
  Promise.reject(
    fail(
      "central_not_configured",
      "未配置全院库：请在配置文件 [central] 中设置 url（或 FACEPAY_CENTRAL_URL）",
      "收费不受影响：本机记录照常保存，连上全院库后自动补传",
      "central.url",
    ),
  );

export const centralCommands: Pick<
  Backend,
  "centralStatus" | "centralSummary" | "centralDifferences" | "centralExplain" | "centralPerson" | "centralReport" | "centralExport"
> = {
  centralStatus: notConfigured,
  centralSummary: notConfigured,
  centralDifferences: notConfigured,
  centralExplain: notConfigured,
  centralPerson: notConfigured,
  centralReport: notConfigured,
  centralExport: notConfigured,
};
