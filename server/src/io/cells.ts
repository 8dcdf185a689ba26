// CSV cells that ARL writes (alerts, labels), safe to open in a spreadsheet.

const numeric = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Text a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return;
 * OWASP's list, numbers excepted), or text that would read back as an escaped one (a quote before
 * such a start), so that fromCsvCell gives back exactly what was written.
 */
function needsQuote(v: string): boolean {
  return (/^[=+\-@\t\r]/.test(v) && !numeric.test(v)) || /^'+[=+\-@\t\r]/.test(v);
}

/** One CSV cell: formulas get a leading single quote and are quoted; numbers stay numbers. */
export function csvCell(v: string): string {
  const formula = needsQuote(v);
  const cell = formula ? `'${v}` : v;
  return formula || /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** The text csvCell was given, from the cell as read back (its leading quote taken off). */
export function fromCsvCell(cell: string): string {
  return cell.startsWith("'") && needsQuote(cell.slice(1)) ? cell.slice(1) : cell;
}
