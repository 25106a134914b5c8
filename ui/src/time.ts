// Dates and times as the counter's clock shows them (local time, never UTC),
// written as the wire writes them ("2026-11-28 10:05:03") whatever the
// machine's locale: a date input would show 11/28/2026 under an English one.

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

/** Now, as the wire writes it: "2026-11-28 10:05:03". */
export const wireNow = () => wireTime(localDateTime(new Date()));

const WIRE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/;

/** "2026-11-28 10:05:03.250" (the journal's stamps, milliseconds optional) → a local Date. */
export function parseWire(wire: string): Date | null {
  const m = WIRE.exec(wire.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  return new Date(y, mo - 1, d, h, mi, s, Number((m[7] ?? "0").padEnd(3, "0")));
}

/** Whole seconds since a journal stamp, never negative; 0 when it does not parse. */
export function secondsSince(wire: string, now = Date.now()): number {
  const t = parseWire(wire);
  return t ? Math.max(0, Math.floor((now - t.getTime()) / 1000)) : 0;
}
