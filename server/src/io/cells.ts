// CSV cells that ARL writes (alerts, labels), safe to open in a spreadsheet.

const numeric = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One CSV cell. Text that a spreadsheet would read as a formula (starting with = + - @, a tab or a
 * carriage return; OWASP's list) gets a leading single quote and is quoted; numbers stay numbers.
 */
export function csvCell(v: string): string {
  const formula = /^[=+\-@\t\r]/.test(v) && !numeric.test(v);
  const cell = formula ? `'${v}` : v;
  return formula || /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** The text csvCell was given, from the cell as read back (the leading quote of a formula taken off). */
export function fromCsvCell(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) && !numeric.test(cell.slice(1)) ? cell.slice(1) : cell;
}
