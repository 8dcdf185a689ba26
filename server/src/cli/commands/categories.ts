// `arl categories FILE`: flagged points per category and split. A point's category is that of the
// highest-severity rule firing there, as `arl run` writes it.
import type { Analysis } from '../../engine/analyze';
import { TRUE } from '../../engine/kernels';
import { severities } from '../../../../grammar/src/ast';
import { write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, printIssues, readRuleFile, table } from '../shared';

/** Flagged points per category: train, validation, test and in all; and anomalies among train's labelled. */
export function categoryCounts(a: Analysis): { category: string; train: number; validation: number; test: number; all: number; trainTp: number; trainLabelled: number }[] {
  const data = a.data!;
  const splitOf = data.scoring(a.shares).splits.of;
  const label = data.frame.label;
  const rules = a.program.rules.map((r, k) => ({ r, flags: a.ruleFlags[k].flags })).filter((x) => x.flags);
  const excludes = a.excludeFlags.map((e) => e.flags).filter((f): f is NonNullable<typeof f> => !!f);
  const rows = new Map<string, { category: string; train: number; validation: number; test: number; all: number; trainTp: number; trainLabelled: number }>();
  const names = ['train', 'validation', 'test'] as const;
  for (let i = 0; i < data.frame.length; i++) {
    if (excludes.some((f) => f[i] === TRUE)) continue;
    let top: (typeof rules)[number]['r'] | undefined;
    for (const x of rules) if (x.flags![i] === TRUE && (!top || severities.indexOf(x.r.severity) > severities.indexOf(top.severity))) top = x.r;
    if (!top) continue;
    const c = top.category ?? top.title ?? top.name;
    let row = rows.get(c);
    if (!row) rows.set(c, (row = { category: c, train: 0, validation: 0, test: 0, all: 0, trainTp: 0, trainLabelled: 0 }));
    row.all++;
    const s = splitOf[i];
    if (s <= 2) row[names[s]]++;
    if (s === 0 && label && label[i] === label[i]) {
      row.trainLabelled++;
      if (label[i] === 1) row.trainTp++;
    }
  }
  return [...rows.values()].sort((x, y) => y.all - x.all || (x.category < y.category ? -1 : 1));
}

export const categoriesCommand: Command = {
  name: 'categories',
  summary: 'Count flagged points per category and split',
  usage: `Usage: arl categories FILE

Counts the points the file flags, per category (a rule's \`category "..."\`, else its title, else
its name; where several rules fire, the most severe one's) and per split, with how many of the
labelled train points in each category are anomalies.
${allowOutsideUsage}`,
  options: { ...allowOutsideOption },
  async run(positionals, values, io) {
    const file = await readRuleFile(positionals[0], io);
    const a = await analyzeFile(file, io, { values });
    if (printIssues(file, a.issues.filter((i) => i.severity === 'error'), io) || !a.data) {
      write(io.stderr, a.data ? 'Fix the errors above first.' : 'No dataset: add a `dataset "file.csv" { ... }` block.');
      return 1;
    }
    const rows = categoryCounts(a);
    const n = (x: number) => x.toLocaleString('en-US');
    write(
      io.stdout,
      table(
        ['category', 'train', 'validation', 'test', 'all', 'anomalies (train, labelled)'],
        rows.map((r) => [r.category, n(r.train), n(r.validation), n(r.test), n(r.all), r.trainLabelled ? `${n(r.trainTp)} of ${n(r.trainLabelled)}` : '-']),
      ),
    );
    return 0;
  },
};
