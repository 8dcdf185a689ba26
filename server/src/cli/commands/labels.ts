// `arl labels FILE`: where the labels of a rule file's dataset come from; `arl labels export FILE
// --out merged.csv`: the dataset with the sidecar's labels merged in.
import { relative, resolve } from 'node:path';
import { writeOutput } from '../../io/safefs';
import { mergedCsv } from '../../labels/export';
import { countsText } from '../../labels/merge';
import { sidecarLocation } from '../../labels/sidecar';
import { UsageError, write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, printIssues, readRuleFile } from '../shared';

export const labelsCommand: Command = {
  name: 'labels',
  summary: 'Count the labels by source, or export the dataset with the merged labels',
  usage: `Usage: arl labels FILE
       arl labels export FILE --out merged.csv

Labels from people and LLMs are kept beside the dataset, in .arl/labels/<dataset>.csv, and merged
over the dataset's label column when it is read: a person's label wins over an LLM's, which wins
over the CSV's. The first form prints how many labels come from each source; \`export\` writes the
dataset's rows with the merged labels and a label_source column (csv, llm, human or blank).

Options:
  --out PATH   the CSV to write (export)
${allowOutsideUsage}`,
  options: { out: { type: 'string', short: 'o' }, ...allowOutsideOption },
  async run(positionals, values, io) {
    const exporting = positionals[0] === 'export';
    const args = exporting ? positionals.slice(1) : positionals;
    if (args.length > 1) throw new UsageError(`one rule file at a time; also got ${args.slice(1).join(' ')}.`);
    const out = values.out as string | undefined;
    if (exporting && !out) throw new UsageError('name the CSV to write: --out merged.csv.');
    const file = await readRuleFile(args[0], io);
    const a = await analyzeFile(file, io, { values });
    const errors = printIssues(file, a.issues.filter((i) => i.severity === 'error' || i.code === 'label-file'), io);
    const data = a.data;
    if (errors || !data || !a.datasetPath) {
      write(io.stderr, errors ? 'Fix the errors above first.' : 'No dataset: add a `dataset "file.csv" { ... }` block.');
      return 1;
    }
    const labelCol = a.check.dataset.columns.label;
    if (!data.labels || !labelCol) {
      write(io.stderr, 'The dataset block names no label column: add `label = COLUMN` (the column may be empty) to keep labels.');
      return 1;
    }
    const side = relative(io.cwd, sidecarLocation(a.datasetPath).path);
    if (!exporting) {
      write(io.stdout, `${relative(io.cwd, a.datasetPath)}: ${countsText(data.labels.overlay.counts)} (labels beside it: ${side}${data.labels.sidecar ? '' : ', none yet'})`);
      return 0;
    }
    const cols = a.check.dataset.columns;
    const r = await mergedCsv(a.datasetPath, data.frame, data.labels.overlay, { series: cols.series, time: cols.time, label: labelCol });
    const path = resolve(io.cwd, out!);
    await writeOutput(path, r.text);
    const note = r.missing ? `; ${r.missing} row${r.missing === 1 ? '' : 's'} left as they were (not loaded: see the errors of \`arl check\`)` : '';
    write(io.stderr, `Wrote ${relative(io.cwd, path) || path}: ${r.rows} rows, ${countsText(data.labels.overlay.counts)}${note}.`);
    return 0;
  },
};
