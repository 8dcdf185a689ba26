// Text from a data file inside a message: a cell, a header name, a series id. Every data message
// quotes through here, so a message never carries more than a short excerpt of a file (a 5 MB
// cell, or a file that is not a CSV at all, like an environment dump).

/** At most this many characters of a file's text appear in one quoted excerpt. */
export const excerptLength = 80;

/**
 * `s` for a message: control characters shown as `\n`, `\t` or `\u0000`, and cut to about 80
 * characters with the full length given (`abc… (5,000,000 characters)`).
 */
export function excerpt(s: string, max = excerptLength): string {
  const cut = s.length > max;
  const head = cut ? s.slice(0, max) : s;
  const shown = head.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return cut ? `${shown}… (${s.length.toLocaleString('en-US')} characters)` : shown;
}

/** `"s"`, cut as excerpt() does. */
export function quoted(s: string, max = excerptLength): string {
  return `"${excerpt(s, max)}"`;
}

/**
 * A list of names (a header) for a message: names while they fit in about 80 characters (the
 * first always, cut as excerpt() does), then how many more there are.
 */
export function excerptList(names: readonly string[], max = excerptLength, wrap: (s: string) => string = (s) => s): string {
  const shown: string[] = [];
  let used = 0;
  for (const n of names) {
    const item = wrap(excerpt(n, max));
    if (shown.length > 0 && used + item.length + 2 > max) break;
    shown.push(item);
    used += item.length + 2;
  }
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more.toLocaleString('en-US')} more` : shown.join(', ');
}
