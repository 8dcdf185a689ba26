// `arl run FILE`: every flagged point, for production alerting. Labels are not needed.
import { csvCell } from '../../io/cells';
import { plural } from '../../../../grammar/src/plural';
import { resolve } from 'node:path';
import { severities, type Severity } from '../../../../grammar/src/ast';
import { formatTime } from '../../engine/frame';
import { TRUE } from '../../engine/kernels';
import { checkOutput, outputStream } from '../../io/safefs';
import { UsageError, write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, printIssues, readRuleFile } from '../shared';
import { runOnDuckDb } from './run-duckdb';

export const runCommand: Command = {
  name: 'run',
  summary: 'Evaluate the rules on data and write every flagged point (production alerts)',
  usage: `Usage: arl run FILE [--data CSV] [--out alerts.csv] [--engine memory|duckdb]

Evaluates the rules at every point of the dataset the file names (or of --data, which needs the
series and time columns and every column the rules use, but no labels) and writes one CSV row per
flagged point: series, time, rules, category, severity, then the point's value in each text
(category) column of the data other than the dataset block's label, reason and split columns.
Dates are written as 2025-01-06T00:00:00Z. A text cell that starts with = + - @, a tab or a
carriage return gets a leading ' so that spreadsheets show it as text instead of running it as a
formula; numbers (-3, +1.5e3) are written as they are.

Options:
  --data CSV       evaluate this file instead of the one the rule file names
  --out FILE       write the alerts there instead of to standard output
  --engine E       memory (default): load the data and evaluate in this process; duckdb: run
                   the rules as one SQL query in DuckDB (an optional dependency), which reads
                   the CSV itself, for data larger than memory; the same alerts either way
${allowOutsideUsage}`,
  options: { data: { type: 'string' }, out: { type: 'string' }, engine: { type: 'string' }, ...allowOutsideOption },
  async run(positionals, values, io) {
    const engine = values.engine ?? 'memory';
    if (engine !== 'memory' && engine !== 'duckdb') throw new UsageError('--engine takes memory or duckdb.');
    const file = await readRuleFile(positionals[0], io);
    const dataPath = typeof values.data === 'string' ? resolve(io.cwd, values.data) : undefined;
    if (typeof values.out === 'string') await checkOutput(resolve(io.cwd, values.out));
    if (engine === 'duckdb') return runOnDuckDb(file, dataPath, values, io);
    const a = await analyzeFile(file, io, { dataPath, unlabelled: true, values, oneShot: true, onlyMentioned: true });
    const errors = printIssues(file, a.issues.filter((i) => i.severity === 'error'), io);
    if (errors || !a.data) {
      if (!a.data && !errors) write(io.stderr, 'No dataset: name one in the file or pass --data.');
      return 1;
    }
    const frame = a.data.frame;
    const rules = a.program.rules.map((r, k) => ({ r, f: a.ruleFlags[k].flags }));
    const excludes = a.excludeFlags.map((e) => e.flags).filter((f) => f !== undefined);
    const out = typeof values.out === 'string' ? await outputStream(resolve(io.cwd, values.out)) : io.stdout;
    // Text columns travel with each alert, as the text they hold in the data.
    const spec = a.check.dataset;
    const annotations = new Set([spec.columns.label, spec.columns.reason, spec.splitColumn]);
    const texts = [...frame.categories].filter(([name]) => !annotations.has(name));
    const head = ['series', 'time', 'rules', 'category', 'severity'];
    for (const [name] of texts) head.push(head.includes(name) ? `${name}_${head.length + 1}` : name);
    const lines: string[] = [head.map(csvCell).join(',')];
    let alerts = 0;
    for (let i = 0; i < frame.length; i++) {
      if (excludes.some((f) => f[i] === TRUE)) continue;
      const fired = rules.filter((x) => x.f && x.f[i] === TRUE);
      if (!fired.length) continue;
      alerts++;
      let top = fired[0].r;
      for (const x of fired) if (rank(x.r.severity) > rank(top.severity)) top = x.r;
      const category = top.category ?? top.title ?? top.name;
      const row = [frame.seriesIds[frame.seriesOf[i]], formatTime(frame, frame.time[i]), fired.map((x) => x.r.name).join(' '), category, top.severity];
      for (const [, c] of texts) row.push(c.codes[i] < 0 ? '' : c.values[c.codes[i]]);
      lines.push(row.map(csvCell).join(','));
      if (lines.length >= 4096) {
        out.write(lines.join('\n') + '\n');
        lines.length = 0;
      }
    }
    out.write(lines.length ? lines.join('\n') + '\n' : '');
    if (out !== io.stdout) await new Promise<void>((res, rej) => (out as NodeJS.WritableStream).end(() => res()).on?.('error', rej));
    write(io.stderr, `${plural(alerts, 'alert')} on ${plural(frame.length, 'point')} of ${plural(frame.seriesIds.length, 'series', 'series')}.`);
    return 0;
  },
};

function rank(s: Severity): number {
  return severities.indexOf(s);
}

export { csvCell };
