// Chinese names of the code tables, as the cashier reads them.

export const STATES: [string, string][] = [
  ["SUCCESS", "结算成功"],
  ["FAIL", "结算失败"],
  ["REFUND_SUCCESS", "退费成功"],
  ["REFUND_FAIL", "退费失败"],
];
export const BIZ_TYPES: [string, string][] = [
  ["register", "挂号窗口"],
  ["settle", "诊间"],
  ["drugStore", "药店"],
];
export const BUSINESS_TYPES: [string, string][] = [
  ["01101", "挂号"], ["01102", "住院建档"], ["01103", "入院登记"], ["01104", "缴纳预缴金"],
  ["01201", "问诊"], ["01202", "预约检查"], ["01203", "检查"], ["01204", "治疗"],
  ["01301", "结算"], ["01302", "取药"], ["01303", "取报告"], ["01304", "打印票据和清单"],
  ["01305", "病历材料复印"], ["02121", "药店购药"], ["02122", "下载外购处方"], ["03131", "医疗类APP线上身份认证"],
];
const REGIONS: Record<string, string> = { "441702": "阳江市江城区", "441704": "阳江市阳东区", "441721": "阳西县", "441781": "阳春市" };
const DELIVERY: Record<string, string> = { delivered: "已送达", pending: "待重发", gave_up: "未送达" };
const TRANS: Record<string, string> = { "cn.nhsa.ec.auth": "刷脸授权", "cn.nhsa.auth.check": "获取身份", "cn.nhsa.settle.notify": "结算通知" };
const CALL_STATUS: Record<string, string> = { ok: "成功", failed: "失败", unknown: "结果未知", in_flight: "进行中" };

const lookup = (table: [string, string][], code: string) => table.find(([c]) => c === code)?.[1] ?? code;
export const stateLabel = (c: string) => lookup(STATES, c);
export const bizLabel = (c: string) => lookup(BIZ_TYPES, c);
export const regionLabel = (c: string | null) => (c ? (REGIONS[c] ? `${REGIONS[c]}（${c}）` : c) : "—");
export const deliveryLabel = (c: string) => DELIVERY[c] ?? c;
export const transLabel = (c: string) => TRANS[c] ?? c;
export const callStatusLabel = (c: string) => CALL_STATUS[c] ?? c;
export const today = () => {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
};
