// Numbers staff type outside money (timeouts in 设置): what a Chinese input
// method sends in full-width mode reads as the digits it shows.

/** Whole seconds as typed: ASCII or full-width digits, nothing else; null otherwise. */
export function wholeNumber(v: string): number | null {
  const ascii = v.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  return /^\d{1,6}$/.test(ascii) ? Number(ascii) : null;
}
