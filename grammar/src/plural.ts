// Counts with their noun: "1 anomaly", "2 anomalies".

/** The noun for `n` things: singular for exactly 1; the plural is `one + 's'` unless given. */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** `n` and its noun: plural(1, 'anomaly', 'anomalies') is "1 anomaly". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${noun(n, one, many)}`;
}

/** As plural, with en-US digit grouping: "1,204 points". */
export function pluralGrouped(n: number, one: string, many = `${one}s`): string {
  return `${grouped(n)} ${noun(n, one, many)}`;
}

/**
 * `n` as n.toLocaleString('en-US') writes it ("1,204"): integers grouped here, anything else by
 * ICU, whose first use in a process costs about 25 ms (the first lenses of a file wait for it).
 */
export function grouped(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let k = out.length; k < digits.length; k += 3) out += `,${digits.slice(k, k + 3)}`;
  return n < 0 ? `-${out}` : out;
}
