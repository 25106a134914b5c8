// Dates and times as the counter's clock shows them (local time, never UTC),
// converted between the wire's "YYYY-MM-DD HH:MM:SS" and what a
// <input type="datetime-local" step="1"> holds.

const pad = (n: number) => String(n).padStart(2, "0");

const localDate = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** Today's business day, "YYYY-MM-DD". */
export const today = () => localDate(new Date());

/** A datetime-local value with seconds: "2026-11-28T10:05:03". */
export const localDateTime = (d: Date) => `${localDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

const INPUT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2}))?/;

/**
 * "2026-11-28T10:05:03" → "2026-11-28 10:05:03". Browsers drop ":00" seconds
 * from the value, so they come back here. Anything else goes as typed: the
 * backend validates it and names the field.
 */
export function wireTime(input: string): string {
  const m = INPUT.exec(input.trim());
  return m ? `${m[1]} ${m[2]}:${m[3] ?? "00"}` : input.trim();
}

/** "2026-11-28 10:05:03" → "2026-11-28T10:05:03", for prefilling an input. */
export const inputTime = (wire: string) => wire.trim().replace(" ", "T");
