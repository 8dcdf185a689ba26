// `arl example stockout DIR`: writes the bundled example (rules and generated data) to DIR.
import { existsSync, mkdirSync } from 'node:fs';
import { plural } from '../../../../grammar/src/plural';
import { join, resolve } from 'node:path';
import { writeStockoutCsv } from '../../../../examples/stockout/generate';
import stockoutRules from '../../../../examples/stockout/stockout.arl';
import { outputStream, writeOutput } from '../../io/safefs';
import { UsageError, write, type Command } from '../command';

export const exampleCommand: Command = {
  name: 'example',
  summary: 'Write a bundled example (rules and a generated labelled dataset) to a folder',
  usage: `Usage: arl example stockout [DIR] [--products N] [--seed S] [--if-missing]

Writes DIR/stockout.arl and DIR/stockout.csv: a deterministic weekly out-of-stock dataset
(10,000 products x 53 weeks by default, the last week labelled).

Options:
  --products N   number of products, one series each (default 10000; --series N is the same)
  --seed S       random seed (default 20251124)
  --if-missing   do nothing when DIR/stockout.csv already exists`,
  options: {
    products: { type: 'string' },
    series: { type: 'string' },
    seed: { type: 'string' },
    'if-missing': { type: 'boolean' },
  },
  async run(positionals, values, io) {
    const [name, dirArg] = positionals;
    if (name !== 'stockout') throw new UsageError(name ? `unknown example '${name}'; the bundled one is 'stockout'.` : 'name an example: stockout.');
    const dir = resolve(io.cwd, dirArg ?? 'stockout');
    const count = values.products ?? values.series;
    const products = count === undefined ? 10000 : Number(count);
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (!Number.isInteger(products) || products < 1) throw new UsageError('--products takes a whole number of at least 1.');
    if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed takes a whole number.');
    const csv = join(dir, 'stockout.csv');
    const arl = join(dir, 'stockout.arl');
    if (values['if-missing'] && existsSync(csv)) return 0;
    mkdirSync(dir, { recursive: true });
    // Never through a link planted in DIR (a dangling one included).
    if (!existsSync(arl)) await writeOutput(arl, stockoutRules);
    const r = await writeStockoutCsv(csv, { products, seed }, await outputStream(csv));
    write(io.stderr, `Wrote ${csv}: ${plural(r.rows, 'row')}, ${plural(products, 'product')}, ${plural(r.anomalies, 'labelled anomaly', 'labelled anomalies')}.`);
    return 0;
  },
};
