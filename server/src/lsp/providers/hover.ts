// Hover: function docs; for columns and lets their distribution at anomalies vs normal points;
// for a rule, itself in plain English with its metrics.
import type { Hover, Position } from 'vscode-languageserver';
import { explainDecl } from '../../../../grammar/src/explain';
import { functionDoc } from '../../../../grammar/src/functions';
import { LineIndex } from '../../../../grammar/src/issues';
import type { Analysis } from '../../engine/analyze';
import type { ScoreSplit } from '../../engine/metrics';
import { distribution, type Summary } from '../../engine/stats';
import { behaviourMarkdown } from '../../refine/behaviour';
import type { RefineService } from '../refine';
import { pluralGrouped as plural } from '../../../../grammar/src/plural';
import { alarmsText, metricsTitle } from './lenses';

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
        const head = `**column** \`${sym.name}\``;
        if (!col) return { contents: { kind: 'markdown', value: head }, range };
        return { contents: { kind: 'markdown', value: `${head}\n\n${distributionTable(col, a, split)}` }, range };
      }
      case 'let': {
        const node = a.program.lets.get(sym.name);
        const text = sym.decl.expr ? a.parse.text.slice(sym.decl.expr.start, sym.decl.expr.end) : '';
        const head = `\`\`\`arl\nlet ${sym.name} = ${text}\n\`\`\``;
        if (!node || !a.data || node.kind !== 'number') return { contents: { kind: 'markdown', value: head }, range };
        const values = a.data.evaluator.column(node);
        return { contents: { kind: 'markdown', value: `${head}\n${distributionTable(values, a, split)}` }, range };
      }
      case 'rule':
        return { contents: { kind: 'markdown', value: ruleHover(a, sym.name, split, refine) }, range };
    }
  }
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
      `Fires on ${plural(r.fires, 'point')}: ${alarmsText(a, split, r)}. Catches ${plural(r.uniqueTp, 'anomaly', 'anomalies')} no other rule does.`,
    );
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
