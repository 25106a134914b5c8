// Chinese names of the code tables, as the cashier reads them. The Records
// are keyed by the generated unions, so a new code fails to compile here
// instead of showing up raw on screen.

import type { BizType } from "./bindings/BizType";
import type { CallStatus } from "./bindings/CallStatus";
import type { Credential } from "./bindings/Credential";
import type { DeliveryStatus } from "./bindings/DeliveryStatus";
import type { Resolution } from "./bindings/Resolution";
import type { SettleState } from "./bindings/SettleState";
import type { TransType } from "./bindings/TransType";
import type { TransportKind } from "./bindings/TransportKind";
import type { Charset } from "./bindings/Charset";
import type { HisNotify } from "./bindings/HisNotify";
import type { Source } from "./bindings/Source";
import type { VisitState } from "./bindings/VisitState";
import type { Role } from "./bindings/Role";

const STATE: Record<SettleState, string> = {
  SUCCESS: "结算成功",
  FAIL: "结算失败",
  REFUND_SUCCESS: "退费成功",
  REFUND_FAIL: "退费失败",
};
const BIZ: Record<BizType, string> = { register: "挂号窗口", settle: "诊间", drugStore: "药店" };
const TRANSPORT: Record<TransportKind, string> = { simulator: "模拟终端（演示模式）", http: "HTTP 接口", library: "动态库", host: "32 位终端库（经 nation-ec-host）" };
const DELIVERY: Record<DeliveryStatus, string> = {
  held: "待收款员确认（按 F4 通知终端）",
  delivered: "已送达",
  pending: "待重发",
  gave_up: "未送达",
};
const SOURCE: Record<Source, string> = { panel: "收银台", cli: "脚本", his: "HIS" };
const VISIT_STATE: Record<VisitState, string> = {
  scanning: "刷脸中", authorized: "已授权", identified: "已识别", pending: "待确认", failed: "失败",
};
const HIS_NOTIFY: Record<HisNotify, string> = { at_once: "立即通知终端", cashier: "等收款员按 F4" };
const TRANS: Record<TransType, string> = { "cn.nhsa.ec.auth": "刷脸授权", "cn.nhsa.auth.check": "获取身份", "cn.nhsa.settle.notify": "结算通知", "cn.nhsa.qrcode.get": "扫医保码" };
export const CREDENTIAL: Record<Credential, string> = { face: "刷脸", qrcode: "医保码" };
const CALL_STATUS: Record<CallStatus, string> = { ok: "成功", failed: "失败", unknown: "结果未知", in_flight: "进行中" };
const RESOLUTION: Record<Resolution, string> = { confirmed_ok: "确认终端已处理", confirmed_failed: "确认终端未处理", superseded: "已被后续调用取代" };
const ROLE: Record<Role, string> = { cashier: "收款员", admin: "管理员" };
/**
 * The journal's audit actions (facepay-core, facepay-journal, the bridge and
 * the CLI append them); one missing here shows raw, so 审计 still lists it.
 */
const AUDIT_ACTION: Record<string, string> = {
  sign_in: "登录", sign_in_failed: "登录失败", pin_locked: "PIN 锁定", lock: "锁定", unlock: "解锁",
  hand_over: "交班", change_pin: "修改 PIN", create_operator: "新增操作员", update_operator: "修改操作员",
  forbidden: "越权被拒", reveal_identity: "显示身份", search_by_name: "按姓名查询历史", export: "导出", resolve_unknown: "待确认处理",
  notify: "结算通知", refund: "退费", resend_notify: "重发通知", release_notify: "F4 通知终端",
  close_day: "日结", save_settings: "保存设置", purge_identities: "清除过期身份",
  bridge_token_copied: "复制接口令牌", bridge_token_rotated: "重新生成接口令牌", bridge_token_shown: "显示接口令牌",
  bridge_unauthorized: "接口拒绝访问", his_disclosure: "HIS 获取身份", clock_jump: "时钟跳变", journal_rekeyed: "记录库换密钥",
  identity_mismatch: "身份与就诊不符被拒", key_file_mode_fixed: "密钥文件权限已收紧", token_file_mode_fixed: "令牌文件权限已收紧",
  journal_key_into_keyring: "记录库密钥移入系统钥匙串",
};

/** [code, label] in display order, for selects and segmented choices. */
const pairs = <K extends string>(table: Record<K, string>) => Object.entries(table) as [K, string][];
export const STATES = pairs(STATE);
export const BIZ_TYPES = pairs(BIZ);
export const CREDENTIALS = pairs(CREDENTIAL);
export const TRANSPORTS = pairs(TRANSPORT);
export const HIS_NOTIFIES = pairs(HIS_NOTIFY);
export const ROLES = pairs(ROLE);
export const AUDIT_ACTIONS = pairs(AUDIT_ACTION);
/** Windows bridges often answer in GBK without saying so. */
export const CHARSETS: [Charset, string][] = [["utf-8", "UTF-8"], ["gbk", "GBK（Windows 中文）"], ["gb18030", "GB18030"]];
export const BUSINESS_TYPES: [string, string][] = [
  ["01101", "挂号"], ["01102", "住院建档"], ["01103", "入院登记"], ["01104", "缴纳预缴金"],
  ["01201", "问诊"], ["01202", "预约检查"], ["01203", "检查"], ["01204", "治疗"],
  ["01301", "结算"], ["01302", "取药"], ["01303", "取报告"], ["01304", "打印票据和清单"],
  ["01305", "病历材料复印"], ["02121", "药店购药"], ["02122", "下载外购处方"], ["03131", "医疗类APP线上身份认证"],
];
const REGIONS: Record<string, string> = { "441702": "阳江市江城区", "441704": "阳江市阳东区", "441721": "阳西县", "441781": "阳春市" };

export const stateLabel = (c: SettleState) => STATE[c];
export const bizLabel = (c: BizType) => BIZ[c];
export const regionLabel = (c: string | null) => (c ? (REGIONS[c] ? `${REGIONS[c]}（${c}）` : c) : "—");
export const deliveryLabel = (c: DeliveryStatus) => DELIVERY[c];
export const sourceLabel = (c: Source) => SOURCE[c];
export const visitStateLabel = (c: VisitState) => VISIT_STATE[c];
export const transLabel = (c: TransType) => TRANS[c];
export const callStatusLabel = (c: CallStatus) => CALL_STATUS[c];
export const resolutionLabel = (c: Resolution) => RESOLUTION[c];
/** 医保 or 自费: whether the settlement went through 医保 at all. */
export const payKindLabel = (selfPay: boolean) => (selfPay ? "自费" : "医保");
export const roleLabel = (c: Role) => ROLE[c];
export const auditActionLabel = (c: string) => AUDIT_ACTION[c] ?? c;
