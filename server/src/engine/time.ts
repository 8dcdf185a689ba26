// Time cells: plain numbers, or ISO 8601 dates and date-times (read as UTC when no zone is given).

const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since 1970 for an ISO date or date-time, NaN otherwise. */
export function parseIsoTime(s: string): number {
  const m = iso.exec(s);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return Number.NaN;
  let t = Date.UTC(Number(y), month - 1, day, Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
  if (new Date(t).getUTCDate() !== day) return Number.NaN; // 2025-02-30
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000;
  }
  return t;
}

/** A number cell: finite decimal notation only (no hex, no "Infinity"); NaN for anything else. */
export function parseNumber(s: string): number {
  if (s.length === 0) return Number.NaN;
  const c = s.charCodeAt(0);
  // Fast reject of text: a number starts with a digit, a sign or a dot.
  if (!((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 32)) return Number.NaN;
  // Number(' ') is 0: a cell of spaces is blank, not zero. Padding would also hide ' 0x10'.
  const t = c === 32 ? s.trim() : s;
  if (t.length === 0) return Number.NaN;
  const v = Number(t);
  if (!Number.isFinite(v)) return Number.NaN;
  if (t.length > 1 && (t[1] === 'x' || t[1] === 'X' || t[1] === 'b' || t[1] === 'o')) return Number.NaN;
  return v;
}
