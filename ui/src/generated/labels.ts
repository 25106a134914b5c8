// Generated from the Rust code tables (facepay-core's vocabulary.rs) by
// scripts/bindings.sh: do not edit. Keyed by the generated unions, so a
// new code without a label fails to compile.

import type { SettleState } from "../bindings/SettleState";
import type { BizType } from "../bindings/BizType";
import type { BusinessType } from "../bindings/BusinessType";
import type { TransType } from "../bindings/TransType";
import type { Credential } from "../bindings/Credential";
import type { DeliveryStatus } from "../bindings/DeliveryStatus";
import type { CallStatus } from "../bindings/CallStatus";
import type { Resolution } from "../bindings/Resolution";
import type { Source } from "../bindings/Source";
import type { Role } from "../bindings/Role";
import type { AuditAction } from "../bindings/AuditAction";
import type { VisitState } from "../bindings/VisitState";
import type { TransportKind } from "../bindings/TransportKind";
import type { HisNotify } from "../bindings/HisNotify";
import type { Charset } from "../bindings/Charset";
import type { DifferenceKind } from "../bindings/DifferenceKind";
import type { GroupBy } from "../bindings/GroupBy";

export const SETTLE_STATE: Record<SettleState, string> = {
  "SUCCESS": "结算成功",
  "FAIL": "结算失败",
  "REFUND_SUCCESS": "退费成功",
  "REFUND_FAIL": "退费失败",
};

export const BIZ_TYPE: Record<BizType, string> = {
  "register": "挂号窗口",
  "settle": "诊间",
  "drugStore": "药店",
};

export const BUSINESS_TYPE: Record<BusinessType, string> = {
  "01101": "挂号",
  "01102": "住院建档",
  "01103": "入院登记",
  "01104": "缴纳预缴金",
  "01201": "问诊",
  "01202": "预约检查",
  "01203": "检查",
  "01204": "治疗",
  "01301": "结算",
  "01302": "取药",
  "01303": "取报告",
  "01304": "打印票据和清单",
  "01305": "病历材料复印",
  "02121": "药店购药",
  "02122": "下载外购处方",
  "03131": "医疗类APP线上身份认证",
};

export const TRANS_TYPE: Record<TransType, string> = {
  "cn.nhsa.ec.auth": "刷脸授权",
  "cn.nhsa.auth.check": "获取身份",
  "cn.nhsa.settle.notify": "结算通知",
  "cn.nhsa.qrcode.get": "扫医保码",
};

export const CREDENTIAL: Record<Credential, string> = {
  "face": "刷脸",
  "qrcode": "医保码",
};

export const DELIVERY_STATUS: Record<DeliveryStatus, string> = {
  "held": "待收款员确认（按 F4 通知终端）",
  "pending": "待重发",
  "delivered": "已送达",
  "gave_up": "未送达",
};

export const CALL_STATUS: Record<CallStatus, string> = {
  "in_flight": "进行中",
  "ok": "成功",
  "failed": "失败",
  "unknown": "结果未知",
};

export const RESOLUTION: Record<Resolution, string> = {
  "confirmed_ok": "确认终端已处理",
  "confirmed_failed": "确认终端未处理",
  "superseded": "已被后续调用取代",
};

export const SOURCE: Record<Source, string> = {
  "panel": "收银台",
  "cli": "脚本",
  "his": "HIS",
};

export const ROLE: Record<Role, string> = {
  "cashier": "收款员",
  "admin": "管理员",
  "finance": "财务/信息科",
};

export const AUDIT_ACTION: Record<AuditAction, string> = {
  "sign_in": "登录",
  "sign_in_failed": "登录失败",
  "pin_locked": "PIN 锁定",
  "lock": "锁定",
  "unlock": "解锁",
  "hand_over": "交班",
  "change_pin": "修改 PIN",
  "create_operator": "新增操作员",
  "update_operator": "修改操作员",
  "forbidden": "越权被拒",
  "reveal_identity": "显示身份",
  "search_by_name": "按姓名查询历史",
  "export": "导出",
  "resolve_unknown": "待确认处理",
  "notify": "结算通知",
  "refund": "退费",
  "resend_notify": "重发通知",
  "release_notify": "F4 通知终端",
  "close_day": "日结",
  "save_settings": "保存设置",
  "purge_identities": "清除过期身份",
  "bridge_token_copied": "复制接口令牌",
  "bridge_token_rotated": "重新生成接口令牌",
  "bridge_token_shown": "显示接口令牌",
  "bridge_unauthorized": "接口拒绝访问",
  "his_disclosure": "HIS 获取身份",
  "clock_jump": "时钟跳变",
  "journal_rekeyed": "记录库换密钥",
  "identity_mismatch": "身份与就诊不符被拒",
  "key_file_mode_fixed": "密钥文件权限已收紧",
  "token_file_mode_fixed": "令牌文件权限已收紧",
  "journal_key_into_keyring": "记录库密钥移入系统钥匙串",
  "central_restore": "换机恢复",
};

export const VISIT_STATE: Record<VisitState, string> = {
  "scanning": "刷脸中",
  "authorized": "已授权",
  "identified": "已识别",
  "pending": "待确认",
  "failed": "失败",
};

export const TRANSPORT_KIND: Record<TransportKind, string> = {
  "simulator": "模拟终端（演示模式）",
  "http": "HTTP 接口",
  "library": "动态库",
  "host": "32 位终端库（经 nation-ec-host）",
};

export const HIS_NOTIFY: Record<HisNotify, string> = {
  "at_once": "立即通知终端",
  "cashier": "等收款员按 F4",
};

export const CHARSET: Record<Charset, string> = {
  "utf-8": "UTF-8",
  "gbk": "GBK（Windows 中文）",
  "gb18030": "GB18030",
};

export const DIFFERENCE_KIND: Record<DifferenceKind, string> = {
  "his_only": "HIS 已结算、收银台没有",
  "not_delivered": "未送达终端屏幕",
  "terminal_only": "终端显示过、HIS 没有",
  "amount_differs": "金额不符",
  "state_differs": "状态不符",
  "unsettled_scan": "刷脸后未结算",
};

export const GROUP_BY: Record<GroupBy, string> = {
  "counter": "收银台",
  "operator": "收款员",
  "office": "科室",
  "day": "日期",
};

/** What the panel calls a field an error names (wire names, forms, 设置). */
export const FIELD_LABEL: Record<string, string> = {
  "orgId": "医保定点机构代码",
  "outBizNo": "业务流水号",
  "businessType": "用码业务类型",
  "operatorId": "收款员编号",
  "operatorName": "收款员姓名",
  "officeId": "科室编号",
  "officeName": "科室名称",
  "extData": "扩展参数",
  "authNo": "实人认证业务流水号",
  "medicalSettleState": "结算状态",
  "totalFee": "总费用",
  "bizType": "业务场景",
  "idNo": "证件号码",
  "userName": "姓名",
  "setlTime": "结算时间",
  "hospitalName": "定点机构名称",
  "doctorName": "医生",
  "failReason": "失败原因",
  "medicalSettleNo": "医保单据流水号",
  "ownAmt": "自费费用",
  "hifAmt": "医保报销费用",
  "acctAmt": "个人帐户支出",
  "hifpAmt": "统筹基金支出",
  "hifmiAmt": "大额医疗保险支出",
  "cvlservAmt": "公务员补助",
  "maAmt": "医疗救助",
  "hosPreAmt": "单病种定点医疗机构垫支",
  "medOverLmtAmt": "药品超标扣款金额",
  "mafAmt": "扶贫救助",
  "cvlservDedcAmt": "历史起付公务员返还",
  "balance": "帐户余额",
  "ecQrCode": "医保码码值",
  "guardianName": "监护人姓名",
  "guardianRelation": "与监护人关系",
  "transType": "交易类型",
  "data": "业务参数",
  "idLast4": "证件号后4位",
  "from": "开始日期",
  "to": "结束日期",
  "date": "业务日期",
  "reason": "原因",
  "id": "工号",
  "staffId": "工号",
  "name": "姓名",
  "pin": "PIN",
  "newPin": "新 PIN",
  "oldPin": "原 PIN",
  "role": "角色",
  "settlementId": "结算记录",
  "selfPay": "自费",
  "limit": "每页条数",
  "path": "保存位置",
  "olderThanDays": "保留天数",
  "counterId": "窗口编号",
  "transport": "终端连接方式",
  "httpUrl": "终端接口地址",
  "httpCharset": "终端回复字符集",
  "libraryPath": "动态库路径",
  "centerUrl": "电子凭证中台地址",
  "faceAuthTimeout": "刷脸超时（秒）",
  "otherTimeout": "其他交易超时（秒）",
  "bridgeListen": "HIS 接口监听地址",
};
