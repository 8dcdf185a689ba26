// Hover: function docs; for columns and lets their distribution at anomalies vs normal points;
// for a rule, itself in plain English with its metrics.
import type { Hover, Position } from 'vscode-languageserver';
import { explainDecl } from '../../../../grammar/src/explain';
import { functionDoc } from '../../../../grammar/src/functions';
import { LineIndex } from '../../../../grammar/src/issues';
import { settingHoverText } from '../../../../grammar/src/settings';
import type { Analysis } from '../../engine/analyze';
import type { FileScores, ScoreSplit, Scores } from '../../engine/metrics';
import { alarmLine, beatsBaseline, eventObjective, eventTriple, pointsText, rateUnit } from '../../engine/report';
import { categoryDistribution, distribution, type Summary } from '../../engine/stats';
import { behaviourMarkdown } from '../../refine/behaviour';
import type { RefineService } from '../refine';
import { pluralGrouped as plural } from '../../../../grammar/src/plural';
import { alertsText, metricsTitle } from './lenses';

const g = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString()) : '–');

function distributionTable(values: ArrayLike<number>, a: Analysis, split: ScoreSplit): string {
  const idx = a.data!.scoring(a.shares).get(split);
  const d = distribution(values, idx);
  const row = (name: string, s: Summary) => `| ${name} | ${s.n.toLocaleString('en-US')} | ${g(s.p10)} | ${g(s.p50)} | ${g(s.p90)} | ${s.missing.toLocaleString('en-US')} |`;
  return [
    `At labelled points (${split}):`,
    '',
    '| | points | p10 | p50 | p90 | missing |',
    '|---|---:|---:|---:|---:|---:|',
    row('anomalies', d.anomalies),
    row('normal', d.normal),
  ].join('\n');
}

const pct = (k: number, n: number) => (n ? `${k.toLocaleString('en-US')} (${g((100 * k) / n)}%)` : '–');

/** The most frequent values of a category column at anomalies vs normal points (`only`: one value). */
function categoryTable(column: string, a: Analysis, split: ScoreSplit, only?: string): string {
  const col = a.data!.frame.categories.get(column)!;
  const d = categoryDistribution(col.codes, col.values, a.data!.scoring(a.shares).get(split), only ? col.values.length : 5);
  const rows = only ? d.rows.filter((r) => r.value === only) : d.rows;
  if (only && !rows.length) return `\`${column}\` never holds ${JSON.stringify(only)} at labelled points (${split}).`;
  const lines = rows.map((r) => `| ${JSON.stringify(r.value)} | ${pct(r.anomalies, d.anomalies)} | ${pct(r.normal, d.normal)} |`);
  if (!only && (d.missingAnomalies || d.missingNormal)) lines.push(`| (missing) | ${pct(d.missingAnomalies, d.anomalies)} | ${pct(d.missingNormal, d.normal)} |`);
  return [
    `At labelled points (${split})${only ? '' : `, the most frequent of ${d.distinct.toLocaleString('en-US')} values`}:`,
    '',
    '| value | anomalies | normal |',
    '|---|---:|---:|',
    ...lines,
  ].join('\n');
}

export function hover(a: Analysis, pos: Position, split: ScoreSplit, refine?: RefineService): Hover | null {
  const index = new LineIndex(a.parse.text);
  const offset = index.offset(pos);
  const ref = a.check.references.find((r) => r.start <= offset && offset <= r.end);
  const range = ref && index.range(ref.start, ref.end);
  if (ref) {
    const sym = ref.symbol;
    switch (sym.kind) {
      case 'function':
        return { contents: { kind: 'markdown', value: functionDoc(sym.spec) }, range };
      case 'param': {
        const p = sym.spec.params.find((x) => x.name === sym.name);
        return p ? { contents: { kind: 'markdown', value: `\`${p.name}\` of \`${sym.spec.name}\`: ${p.doc}` }, range } : null;
      }
      case 'column': {
        const col = a.data?.frame.columns.get(sym.name);
        if (a.data?.frame.categories.has(sym.name)) {
          return { contents: { kind: 'markdown', value: `**category column** \`${sym.name}\`\n\n${categoryTable(sym.name, a, split)}` }, range };
        }
        const head = `**column** \`${sym.name}\``;
        if (!col) return { contents: { kind: 'markdown', value: head }, range };
        return { contents: { kind: 'markdown', value: `${head}\n\n${distributionTable(col, a, split)}` }, range };
      }
      case 'category': {
        const head = `**category** ${JSON.stringify(sym.name)}${sym.columns.length ? ` of ${sym.columns.map((c) => `\`${c}\``).join(', ')}` : ''}`;
        const column = sym.columns.find((c) => a.data?.frame.categories.has(c));
        if (!column || sym.columns.length !== 1) return { contents: { kind: 'markdown', value: head }, range };
        return { contents: { kind: 'markdown', value: `${head}\n\n${categoryTable(column, a, split, sym.name)}` }, range };
      }
      case 'group': {
        const cols = sym.columns;
        const body = cols.length ? `${cols.length} column${cols.length === 1 ? '' : 's'}: ${cols.map((c) => `\`${c}\``).join(', ')}` : 'The columns are known once the dataset is loaded.';
        return { contents: { kind: 'markdown', value: `**column group** \`columns(${JSON.stringify(sym.name)})\`\n\n${body}` }, range };
      }
      case 'let': {
        const node = a.program.lets.get(sym.name);
        const text = sym.decl.expr ? a.parse.text.slice(sym.decl.expr.start, sym.decl.expr.end) : '';
        const head = `\`\`\`arl\nlet ${sym.name} = ${text}\n\`\`\``;
        const group = sym.decl.expr && a.check.groups.get(sym.decl.expr);
        if (group) {
          const members = group.labels.map((l) => `\`${l}\``).join(', ');
          return { contents: { kind: 'markdown', value: `${head}\nA group of ${group.size ?? 'several'} values, one per member: ${members}.` }, range };
        }
        if (!node || !a.data || node.kind !== 'number') return { contents: { kind: 'markdown', value: head }, range };
        const values = a.data.evaluator.column(node);
        return { contents: { kind: 'markdown', value: `${head}\n${distributionTable(values, a, split)}` }, range };
      }
      case 'rule':
        return { contents: { kind: 'markdown', value: ruleHover(a, sym.name, split, refine) }, range };
    }
  }
  // A dataset setting or a word of its value.
  const prop = a.parse.file.dataset?.props.find((p) => p.start <= offset && offset <= p.end);
  const setting = prop && settingHoverText(prop, offset);
  if (setting) return { contents: { kind: 'markdown', value: `${setting}\n\n---\n\n${datasetHover(a, split)}` }, range: index.range(prop.start, prop.end) };
  const ds = a.parse.file.dataset;
  if (ds && ds.start <= offset && offset <= ds.end) return { contents: { kind: 'markdown', value: datasetHover(a, split) }, range: index.range(ds.start, ds.path?.end ?? ds.keyword.end) };
  // On the `rule` keyword or anywhere in a rule's header.
  const decl = [...a.parse.file.rules, ...a.parse.file.excludes].find((d) => d.keyword.start <= offset && offset <= (d.when?.end ?? d.keyword.end));
  if (decl?.name) return { contents: { kind: 'markdown', value: ruleHover(a, decl.name.name, split, refine) }, range: index.range(decl.keyword.start, decl.keyword.end) };
  return null;
}

function ruleHover(a: Analysis, name: string, split: ScoreSplit, refine?: RefineService): string {
  const k = a.program.rules.findIndex((r) => r.name === name);
  const e = a.program.excludes.findIndex((r) => r.name === name);
  const decl = k >= 0 ? a.program.rules[k].decl : e >= 0 ? a.program.excludes[e].decl : undefined;
  if (!decl) return `\`${name}\``;
  const title = decl.title ? ` — ${decl.title.value}` : '';
  const parts = [`**${decl.kind}** \`${name}\`${title}`, '', explainDecl(decl)];
  const s = a.scores(split);
  if (s && k >= 0 && a.ruleFlags[k].flags) {
    const r = s.rules[k];
    parts.push(
      '',
      `${metricsTitle(r)} (${split})`,
      '',
      `Fires on ${plural(r.fires, 'point')}: ${alertsText(a, split, r)}. Catches ${plural(r.uniqueTp, 'anomaly', 'anomalies')} no other rule does.`,
    );
    if (eventObjective(s)) parts.push('', `${eventTriple(r)} · ${alarmLine(r, s)}`);
    if (r.unjudged) parts.push(`${plural(r.unjudged, 'labelled point')} could not be judged (a missing value).`);
    const b = refine?.behaviour(a, name);
    if (b) parts.push('', '---', '', behaviourMarkdown(b));
  }
  if (s && e >= 0 && a.excludeFlags[e].flags) {
    const x = s.excludes[e];
    parts.push('', `Removes ${plural(x.removedFp, 'false alarm')} and ${plural(x.removedTp, 'true anomaly', 'true anomalies')} (${split}).`);
  }
  return parts.join('\n');
}

/** The dataset block: which objective scores the file and why, and the file beside the trivial baselines. */
function datasetHover(a: Analysis, split: ScoreSplit): string {
  const path = a.check.dataset.path ?? '';
  const s = a.scores(split);
  if (!s) return `**dataset** \`${path}\`${a.dataError ? `: not loaded (${a.dataError.message.split('\n')[0]})` : ''}`;
  const n = (x: number) => x.toLocaleString('en-US');
  const how = s.objective.set ? 'set in the dataset block' : `the default, because ${s.objective.why}`;
  const parts = [
    `**dataset** \`${path}\`: ${plural(s.series, 'series', 'series')}, ${plural(s.points, 'point')}, ${n(s.labelled)} labelled, ${plural(s.anomalies, 'anomaly', 'anomalies')} (${split})`,
    '',
    `**Objective: ${s.objective.label}**, ${how}. Change it with \`objective = point_f1 | event_f1 | f_beta(B)\`. Tolerance: ${pointsText(s.tolerance)} before and after an event.`,
    '',
    scoreTable(s),
    '',
    `Point-adjusted F1, inflated (a whole event counts as caught once one of its points is flagged): rules ${g(s.file.pointAdjustedF1)}, flag all ${g(s.baselines.all.pointAdjustedF1)}.`,
  ];
  if (beatsBaseline(s) === false) parts.push('', `⚠ On ${split} the rules do no better than flagging every point.`);
  return parts.join('\n');
}

function scoreTable(s: FileScores): string {
  const row = (name: string, r: Scores) =>
    `| ${name} | ${g(r.objective)} | ${g(r.f1)} | ${g(r.eventPrecision)} | ${g(r.eventRecall)} | ${g(r.eventF1)} | ${r.alarms.toLocaleString('en-US')} | ${g(r.falseAlarmsPer1k)} | ${g(r.alarmRate)} | ${g(r.delay)} |`;
  return [
    `| | ${s.objective.label} | point F1 | event P | event R | event F1 | alarms | false alarms per 1,000 pts | alarms ${rateUnit(s)} | median delay (pts) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    row('rules', s.file),
    row('flag all', s.baselines.all),
    row('flag none', s.baselines.none),
  ].join('\n');
}
