// Money in the UI: integer fen parsed from the text the cashier typed, never
// through floating point; the backend re-validates everything anyway.

const AMOUNT = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

/** "120.5" → 12050; null when it is not an amount. */
export function fen(text: string): number | null {
  const m = AMOUNT.exec(text.trim());
  if (!m) return null;
  const cents = (m[2] ?? "").padEnd(2, "0");
  return Number(m[1]) * 100 + Number(cents);
}

/** 12050 → "120.50". */
export function yuan(f: number): string {
  const sign = f < 0 ? "-" : "";
  const a = Math.abs(f);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

/**
 * A warning when the parts do not add up, as the engine checks them: 医保报销
 * is the funds without the account, so 总费用 = 自费 + 医保报销 + 个人帐户.
 */
export function balanceWarning(total: string, own: string, hif: string, acct: string): string | null {
  const [t, o, h, a] = [fen(total), fen(own), fen(hif), fen(acct)];
  if (t === null || o === null || h === null || a === null) return null;
  if (o + h + a === t) return null;
  if (a > 0 && o + h === t) {
    return `医保报销 ${yuan(h)} 似乎已含个人帐户 ${yuan(a)}：医保报销应为基金支付，不含个人帐户`;
  }
  return `自费 ${yuan(o)} + 医保报销 ${yuan(h)} + 个人帐户 ${yuan(a)} ≠ 总费用 ${yuan(t)}，请核对`;
}
