// `arl eval FILE`: per-rule and file metrics on a split, as a table or JSON.
import { relative } from 'node:path';
import { plural } from '../../../../grammar/src/plural';
import { perWeek, perWeekText, weeksOfSplit } from '../../engine/alerts';
import type { FileScores, ScoreSplit } from '../../engine/metrics';
import { eventObjective, objectiveLine, pointsText, rateUnit, sig } from '../../engine/report';
import { UsageError, write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, fmt, printIssues, readRuleFile, table } from '../shared';

const splits: ScoreSplit[] = ['train', 'validation', 'test', 'all'];

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Precision, recall and F1 of every rule against the labelled dataset',
  usage: `Usage: arl eval FILE [--split train|validation|test|all] [--json] [--min-f1 X]

Scores every rule alone and the file as a whole (a point is flagged when any rule holds and no
exclude does) on one split of the labelled dataset the file names, beside the two trivial
baselines (flag every point, flag nothing). Event columns (alarms against runs of anomalies)
appear when the objective counts events; --json has every figure. When the time column holds
dates, "alerts/wk" is each rule's noise budget: the points it flags in the split (labelled or
not, each an alert \`arl run\` writes) per week the split covers. When the file or its data
has an error, the errors are printed and no metrics (exit status 1).

Options:
  --split S    train (default), validation, test, or all labelled points
  --json       machine-readable output, with timings in ms (load, features, evaluate)
  --min-f1 X   exit 1 when the file's F1 on the split is below X (a CI gate)
${allowOutsideUsage}`,
  options: { split: { type: 'string' }, json: { type: 'boolean' }, 'min-f1': { type: 'string' }, ...allowOutsideOption },
  async run(positionals, values, io) {
    const split = (values.split ?? 'train') as ScoreSplit;
    if (!splits.includes(split)) throw new UsageError(`--split takes one of ${splits.join(', ')}.`);
    const minF1 = values['min-f1'] === undefined ? undefined : Number(values['min-f1']);
    if (minF1 !== undefined && !(minF1 >= 0 && minF1 <= 1)) throw new UsageError('--min-f1 takes a number between 0 and 1.');
    const file = await readRuleFile(positionals[0], io);
    const a = await analyzeFile(file, io, { values, oneShot: true, onlyMentioned: true, scoresOnly: true, scoreSplits: [split] });
    const errors = printIssues(file, a.issues.filter((i) => i.severity === 'error' || i.severity === 'warning'), io);
    // With an error (in the data or the rules) the figures would mislead: no table at all.
    const scores = errors ? undefined : a.scores(split);
    if (!scores) {
      write(io.stderr, errors ? 'Fix the errors above to see metrics.' : 'No labelled dataset: add a `dataset "file.csv" { ... }` block with a label column.');
      return 1;
    }
    const weeks = a.data ? weeksOfSplit(a.data.frame, a.data.scoring(a.shares).splits, split) : null;
    if (values.json) {
      const alertsPerWeek = { weeks, file: perWeek(scores.file.fires, weeks), rules: Object.fromEntries(scores.rules.map((r) => [r.name, perWeek(r.fires, weeks)])) };
      const out = { file: relative(io.cwd, file.path), dataset: a.datasetPath && relative(io.cwd, a.datasetPath), split, timings: roundTimings(a.timings), scores, alertsPerWeek };
      write(io.stdout, JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    } else {
      write(io.stdout, report(scores, a.datasetPath ? relative(io.cwd, a.datasetPath) : '', weeks));
    }
    if (minF1 !== undefined && !(scores.file.f1 >= minF1)) {
      write(io.stderr, `F1 on ${split} is ${fmt(scores.file.f1)}, below --min-f1 ${minF1}.`);
      return 1;
    }
    return 0;
  },
};

function report(s: FileScores, dataset: string, weeks: number | null): string {
  const full = eventObjective(s);
  const events = full || s.hasEvents;
  const eventHead = full ? ['event P', 'event R', 'event F1', 'alarms', 'delay'] : events ? ['event R'] : [];
  const head = ['rule', 'P', 'R', 'F1', 'TP', 'FP', 'FN', 'fires', 'unjudged', 'unique TP', ...eventHead, ...(weeks ? ['alerts/wk'] : [])];
  const eventCells = (r: FileScores['file']) =>
    full ? [fmt(r.eventPrecision), fmt(r.eventRecall), fmt(r.eventF1), String(r.alarms), fmt(r.delay, 1)] : events ? [fmt(r.eventRecall)] : [];
  const row = (name: string, r: FileScores['file'], unique: string) => [
    name,
    fmt(r.precision),
    fmt(r.recall),
    fmt(r.f1),
    String(r.tp),
    String(r.fp),
    String(r.fn),
    String(r.fires),
    String(r.unjudged),
    unique,
    ...eventCells(r),
    ...(weeks ? [perWeekText(perWeek(r.fires, weeks))] : []),
  ];
  const rows = s.rules.map((r) => row(r.name, r, String(r.uniqueTp)));
  rows.push(row('(file)', s.file, ''), row('(flag all)', s.baselines.all, ''), row('(flag none)', s.baselines.none, ''));
  const f = s.file;
  const lines = [
    `${dataset}: ${plural(s.series, 'series', 'series')}, ${plural(s.points, 'point')}, ${s.labelled} labelled, ${plural(s.anomalies, 'anomaly', 'anomalies')} (split: ${s.split}${weeks ? `, ${plural(Math.round(weeks * 10) / 10, 'week')}` : ''})`,
    '',
    table(head, rows),
    '',
    `objective: ${objectiveLine(s)} (${s.objective.set ? 'set in the dataset block' : `default: ${s.objective.why}`}; tolerance ${pointsText(s.tolerance)})`,
    `alarms: ${f.alarms} (${f.falseAlarms} false, ${sig(f.falseAlarmsPer1k)} per 1,000 labelled points), ${sig(f.alarmRate)} ${rateUnit(s)}; ` +
      `median delay ${sig(f.delay)} points; point-adjusted F1 ${fmt(f.pointAdjustedF1)} (inflated: a whole event counts once one point is flagged)`,
  ];
  if (s.excludes.length) {
    lines.push('', table(['exclude', 'fires', 'removed TP', 'removed FP'], s.excludes.map((e) => [e.name, String(e.fires), String(e.removedTp), String(e.removedFp)])));
  }
  return lines.join('\n');
}

function roundTimings(t: object): Record<string, number> {
  return Object.fromEntries(Object.entries(t as Record<string, number>).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}
