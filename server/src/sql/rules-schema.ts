// Columns as the rules use them, for compiling to SQL when the data is not at hand (it lives in
// the warehouse): a column compared with strings is a category column, any other is a number
// column. Column groups need the real header and are not compiled this way.
import type { CheckResult, Schema } from '../../../grammar/src/check';

export function schemaFromRules(checked: CheckResult): Schema {
  const spec = checked.dataset;
  const roles = [spec.columns.series, spec.columns.time, spec.columns.label, spec.columns.reason, spec.splitColumn].filter((x): x is string => !!x);
  const columns = new Map<string, Schema['columns'][number]>();
  for (const r of roles) columns.set(r, { name: r, numeric: r === spec.columns.time || r === spec.columns.label, note: 'a column of the dataset block' });
  for (const c of checked.columnsUsed) if (!columns.has(c)) columns.set(c, { name: c, numeric: !checked.textColumnsUsed.has(c), ...(checked.textColumnsUsed.has(c) ? { categories: [] } : {}) });
  for (const c of checked.textColumnsUsed) if (!columns.has(c)) columns.set(c, { name: c, numeric: false, categories: [] });
  return { columns: [...columns.values()], maxSeriesLength: Number.MAX_SAFE_INTEGER };
}
