// Chinese names of the code tables, as staff read them. The tables are
// generated from the Rust ones (./generated/labels.ts, scripts/bindings.sh):
// a label is written once, in Rust beside its code.

import type { AuditAction } from "./bindings/AuditAction";
import type { BizType } from "./bindings/BizType";
import type { CallStatus } from "./bindings/CallStatus";
import type { DeliveryStatus } from "./bindings/DeliveryStatus";
import type { DifferenceKind } from "./bindings/DifferenceKind";
import type { Resolution } from "./bindings/Resolution";
import type { Role } from "./bindings/Role";
import type { SettleState } from "./bindings/SettleState";
import type { Source } from "./bindings/Source";
import type { TransType } from "./bindings/TransType";
import type { VisitState } from "./bindings/VisitState";
import * as T from "./generated/labels";

/** [code, label] in display order, for selects and segmented choices. */
const pairs = <K extends string>(table: Record<K, string>) => Object.entries(table) as [K, string][];
export const CREDENTIAL = T.CREDENTIAL;
export const STATES = pairs(T.SETTLE_STATE);
export const BIZ_TYPES = pairs(T.BIZ_TYPE);
export const BUSINESS_TYPES = pairs(T.BUSINESS_TYPE);
export const CREDENTIALS = pairs(T.CREDENTIAL);
export const TRANSPORTS = pairs(T.TRANSPORT_KIND);
export const HIS_NOTIFIES = pairs(T.HIS_NOTIFY);
export const CHARSETS = pairs(T.CHARSET);
export const ROLES = pairs(T.ROLE);
export const GROUP_BYS = pairs(T.GROUP_BY);
export const AUDIT_ACTIONS = pairs(T.AUDIT_ACTION);

/** The 参保地 codes of this hospital's city (the panel's own short list). */
const REGIONS: Record<string, string> = { "441702": "阳江市江城区", "441704": "阳江市阳东区", "441721": "阳西县", "441781": "阳春市" };

export const stateLabel = (c: SettleState) => T.SETTLE_STATE[c];
export const bizLabel = (c: BizType) => T.BIZ_TYPE[c];
export const regionLabel = (c: string | null) => (c ? (REGIONS[c] ? `${REGIONS[c]}（${c}）` : c) : "—");
export const deliveryLabel = (c: DeliveryStatus) => T.DELIVERY_STATUS[c];
export const sourceLabel = (c: Source) => T.SOURCE[c];
export const visitStateLabel = (c: VisitState) => T.VISIT_STATE[c];
export const transLabel = (c: TransType) => T.TRANS_TYPE[c];
export const callStatusLabel = (c: CallStatus) => T.CALL_STATUS[c];
export const resolutionLabel = (c: Resolution) => T.RESOLUTION[c];
export const differenceLabel = (c: DifferenceKind) => T.DIFFERENCE_KIND[c];
/** A state the server keeps as text: its label when it is one of the code table's. */
export const stateText = (c: string) => (c in T.SETTLE_STATE ? T.SETTLE_STATE[c as SettleState] : c);
/** 医保 or 自费: whether the settlement went through 医保 at all. */
export const payKindLabel = (selfPay: boolean) => (selfPay ? "自费" : "医保");
export const roleLabel = (c: Role) => T.ROLE[c];
/** An action an older version recorded under a name this one does not know shows raw. */
export const auditActionLabel = (c: string) => T.AUDIT_ACTION[c as AuditAction] ?? c;
