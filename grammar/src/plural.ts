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
  return `${n.toLocaleString('en-US')} ${noun(n, one, many)}`;
}
