// The fake's state: what the app keeps in its journal, config and seat,
// here in memory for as long as the page lives. One object, so that every
// file of the fake reads and changes the same state.

import type { AuditEntry } from "../../bindings/AuditEntry";
import type { Call } from "../../bindings/Call";
import type { FaceAuthOutcome } from "../../bindings/FaceAuthOutcome";
import type { HisActivity } from "../../bindings/HisActivity";
import type { OperatorInfo } from "../../bindings/OperatorInfo";
import type { OperatorView } from "../../bindings/OperatorView";
import type { RecentRequest } from "../../bindings/RecentRequest";
import type { SettingsForm } from "../../bindings/SettingsForm";
import type { SettlementRow } from "../../bindings/SettlementRow";
import type { Source } from "../../bindings/Source";
import { localDateTime, wireTime } from "../../time";

export type FakeOperator = OperatorInfo & { pin: string; failed: number };
/** Who sits at the counter; `firstRow`: the last settlement id before the shift began. */
export type Sitting = { operator: OperatorView; shiftStart: string; firstRow: number; lastActive: number; locked: boolean };

type State = {
  settings: SettingsForm;
  /** Newest first, as 历史 lists them. */
  rows: SettlementRow[];
  visits: Map<string, FaceAuthOutcome & { source: Source }>;
  calls: Call[];
  /** The last visit id handed out, to the panel's scans and the HIS's alike. */
  seq: number;
  operators: Map<string, FakeOperator>;
  sitting: Sitting | null;
  audit: AuditEntry[];
  startupError: string | null;
  // The HIS as the bridge would show it: its newest visit, the token, the requests it made.
  his: Omit<HisActivity, "settlements"> | null;
  token: string;
  recent: RecentRequest[];
};

export const fake: State = {
  settings: {
    orgId: "H44170200001", hospitalName: "阳江市妇幼保健院（演示）", counterId: "W01",
    operatorId: "0001", operatorName: "演示收款员", officeId: "0001", officeName: "挂号收费处",
    businessType: "01101", bizType: "register", transport: "simulator", httpUrl: "", httpCharset: "utf-8", libraryPath: "",
    centerUrl: "", faceAuthTimeout: 120, otherTimeout: 10, bridgeListen: "127.0.0.1:17321", hisNotify: "cashier",
  },
  rows: [],
  visits: new Map(),
  calls: [],
  seq: 0,
  operators: new Map(),
  sitting: null,
  audit: [],
  startupError:
    typeof location !== "undefined" && new URLSearchParams(location.search).has("setup") ? "演示：设置文件有误（地址带 ?setup）" : null,
  his: null,
  token: "fpb_demo_0123456789abcdef0123456789",
  recent: [],
};

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const now = () => wireTime(localDateTime(new Date()));
/** The journal's stamp, to the millisecond. */
export const stampAt = (d: Date) => `${wireTime(localDateTime(d))}.${String(d.getMilliseconds()).padStart(3, "0")}`;
export const stampNow = () => stampAt(new Date());

export function log(operatorId: string, action: string, subject: string | null = null, detail: string | null = null) {
  fake.audit.push({ id: fake.audit.length + 1, at: stampNow(), operatorId, action, subject, detail });
}
/** Whom an action is attributed to. */
export const actor = () => fake.sitting?.operator.id ?? (fake.startupError ? "setup" : fake.settings.operatorId);
