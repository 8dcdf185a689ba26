// CodeLens: live metrics above every rule and exclude, and a summary above the dataset block. A
// rule with errors keeps the figures of its last good version, marked stale. The tooltip of a
// rule's lens gives its alerts per week (the noise budget).
import type { CodeLens, Command } from 'vscode-languageserver';
import { LineIndex } from '../../../../grammar/src/issues';
import { grouped, pluralGrouped as plural } from '../../../../grammar/src/plural';
import { perWeek, perWeekText, weeksOf } from '../../engine/alerts';
import type { Analysis } from '../../engine/analyze';
import type { RuleScores, ScoreSplit, Scores } from '../../engine/metrics';
import { alarmLine, eventObjective, eventTriple, objectiveLine } from '../../engine/report';
import { countsText } from '../../labels/merge';
import { ClientCommands, type PreviewRuleArgs } from '../protocol';

/**
 * A command with a tooltip (LSP 3.18's Command.tooltip). vscode-languageclient 9 drops the field,
 * so the tooltip also rides in the first argument, where the client's middleware finds it.
 */
function lensCommand(title: string, command: string, args: object, tooltip: string): Command {
  return { title, command, arguments: [{ ...args, tooltip }], tooltip } as Command;
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const n = grouped;

export function metricsTitle(s: Scores): string {
  return `P ${f(s.precision)} · R ${f(s.recall)} · F1 ${f(s.f1)} · TP ${n(s.tp)} FP ${n(s.fp)} FN ${n(s.fn)}`;
}

/** The alerts per week of a rule's score on a split, or null when the time column holds no dates. */
export function alertsPerWeek(a: Analysis, split: ScoreSplit, s: Scores): number | null {
  if (!a.data) return null;
  return perWeek(s.fires, weeksOf(a.data.frame, a.data.scoring(a.shares).get(split)));
}

/** One line about the noise a rule makes: "12.9 alerts per week (684 alerts over 53 weeks, train)". */
export function alertsText(a: Analysis, split: ScoreSplit, s: Scores): string {
  const weeks = a.data ? weeksOf(a.data.frame, a.data.scoring(a.shares).get(split)) : null;
  const rate = perWeek(s.fires, weeks);
  if (rate === null || weeks === null) return `${plural(s.fires, 'alert')} on ${split} (the time column holds no dates: no rate per week)`;
  return `${perWeekText(rate)} alerts per week (${plural(s.fires, 'alert')} over ${plural(Math.round(weeks * 10) / 10, 'week')}, ${split})`;
}

function ruleTooltip(a: Analysis, split: ScoreSplit, r: RuleScores): string {
  return [
    `${r.name} on ${split}: ${alertsText(a, split, r)}`,
    `precision ${f(r.precision)}: ${n(r.tp)} of ${plural(r.tp + r.fp, 'alert')} at labelled points are anomalies`,
    `recall ${f(r.recall)}: it catches ${n(r.tp)} of ${plural(r.tp + r.fn, 'anomaly', 'anomalies')}`,
    'Click to preview its series.',
  ].join('\n');
}

/** The last figures each rule showed, per document: shown, marked stale, while the rule has errors. */
export class LensMemory {
  private readonly byUri = new Map<string, Map<string, { title: string; split: ScoreSplit }>>();

  remember(uri: string, rule: string, split: ScoreSplit, title: string): void {
    let m = this.byUri.get(uri);
    if (!m) this.byUri.set(uri, (m = new Map()));
    m.set(rule, { title, split });
  }

  last(uri: string, rule: string, split: ScoreSplit): string | undefined {
    const e = this.byUri.get(uri)?.get(rule);
    return e && e.split === split ? e.title : undefined;
  }

  forget(uri: string): void {
    this.byUri.delete(uri);
  }
}

export function codeLenses(a: Analysis, uri: string, split: ScoreSplit, memory?: LensMemory): CodeLens[] {
  const index = new LineIndex(a.parse.text);
  const lenses: CodeLens[] = [];
  const at = (offset: number) => {
    const p = index.position(offset);
    return { start: p, end: p };
  };
  const preview = (rule?: string): PreviewRuleArgs => ({ uri, rule });
  const file = a.parse.file;
  const ds = file.dataset;
  if (ds && a.restricted) {
    lenses.push({ range: at(ds.start), command: { title: 'Restricted mode: data not read (trust the workspace to see metrics)', command: '' } });
    return lenses;
  }
  if (ds && a.dataError) {
    lenses.push({ range: at(ds.start), command: { title: `Dataset not loaded: ${a.dataError.message.split('\n')[0]}`, command: '' } });
    return lenses;
  }
  const s = a.scores(split);
  if (!s) return lenses;
  const broken = a.program.rules.filter((r, k) => r.name && !a.ruleFlags[k].flags).map((r) => r.name);
  if (ds) {
    const without = broken.length ? ` · without ${broken.join(', ')} (${broken.length === 1 ? 'it has' : 'they have'} errors)` : '';
    const title = `${plural(s.series, 'series', 'series')} · ${plural(s.points, 'point')} · ${n(s.labelled)} labelled · ${plural(s.anomalies, 'anomaly', 'anomalies')} · file ${metricsTitle(s.file)}${without} (${split})`;
    lenses.push({ range: at(ds.start), command: lensCommand(title, ClientCommands.previewRule, preview(), `The whole file on ${split}: ${alertsText(a, split, s.file)}. Click to preview.`) });
    // The objective beside the trivial baselines; event figures when the objective counts events.
    const events = eventObjective(s) ? ` · ${eventTriple(s.file)} · ${alarmLine(s.file, s)}` : '';
    lenses.push({ range: at(ds.start), command: { title: `${objectiveLine(s)}${events} (${split})`, command: '' } });
    const labels = a.data?.labels;
    if (labels && (labels.sidecar || labels.overlay.counts.llm || labels.overlay.counts.human)) {
      lenses.push({ range: at(ds.start), command: { title: `labels: ${countsText(labels.overlay.counts)}`, command: ClientCommands.reviewLabels, arguments: [{ uri }] } });
    }
  }
  a.program.rules.forEach((r, k) => {
    const rs = a.ruleFlags[k].flags ? s.rules[k] : undefined;
    if (!rs) {
      if (!r.name) return;
      const last = memory?.last(uri, r.name, split);
      const title = last ? `$(warning) stale while \`${r.name}\` has errors · last good: ${last}` : `$(warning) \`${r.name}\` has errors: not evaluated`;
      lenses.push({ range: at(r.decl.start), command: lensCommand(title, '', {}, 'Fix the errors of this rule to see its metrics again.') });
      return;
    }
    const events = eventObjective(s) ? eventTriple(rs) : s.hasEvents ? `event R ${f(rs.eventRecall)}` : '';
    const extra = [rs.unjudged ? `${n(rs.unjudged)} unjudged` : '', events].filter(Boolean).join(' · ');
    const body = `${metricsTitle(rs)}${extra ? ' · ' + extra : ''} (${split})`;
    memory?.remember(uri, r.name, split, body);
    lenses.push({ range: at(r.decl.start), command: lensCommand(body, ClientCommands.previewRule, preview(r.name), ruleTooltip(a, split, rs)) });
  });
  a.program.excludes.forEach((e, k) => {
    const es = a.excludeFlags[k].flags ? s.excludes[k] : undefined;
    if (!es) return;
    lenses.push({
      range: at(e.decl.start),
      command: { title: `removes ${plural(es.removedFp, 'false alarm')} and ${plural(es.removedTp, 'true anomaly', 'true anomalies')} (${split})`, command: '' },
    });
  });
  return lenses;
}
