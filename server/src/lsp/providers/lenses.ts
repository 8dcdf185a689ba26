// CodeLens: live metrics above every rule and exclude, and a summary above the dataset block.
import type { CodeLens } from 'vscode-languageserver';
import { LineIndex } from '../../../../grammar/src/issues';
import type { Analysis } from '../../engine/analyze';
import type { ScoreSplit, Scores } from '../../engine/metrics';
import { alarmLine, eventObjective, eventTriple, objectiveLine } from '../../engine/report';
import { countsText } from '../../labels/merge';
import { ClientCommands, type PreviewRuleArgs } from '../protocol';

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const n = (x: number) => x.toLocaleString('en-US');

export function metricsTitle(s: Scores): string {
  return `P ${f(s.precision)} · R ${f(s.recall)} · F1 ${f(s.f1)} · TP ${n(s.tp)} FP ${n(s.fp)} FN ${n(s.fn)}`;
}

export function codeLenses(a: Analysis, uri: string, split: ScoreSplit): CodeLens[] {
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
  if (ds) {
    const title = `${n(s.series)} series · ${n(s.points)} points · ${n(s.labelled)} labelled · ${n(s.anomalies)} anomalies · file ${metricsTitle(s.file)} (${split})`;
    lenses.push({ range: at(ds.start), command: { title, command: ClientCommands.previewRule, arguments: [preview()] } });
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
    if (!rs) return;
    const events = eventObjective(s) ? eventTriple(rs) : s.hasEvents ? `event R ${f(rs.eventRecall)}` : '';
    const extra = [rs.unjudged ? `${n(rs.unjudged)} unjudged` : '', events].filter(Boolean).join(' · ');
    const title = `${metricsTitle(rs)}${extra ? ' · ' + extra : ''} (${split})`;
    lenses.push({ range: at(r.decl.start), command: { title, command: ClientCommands.previewRule, arguments: [preview(r.name)] } });
  });
  a.program.excludes.forEach((e, k) => {
    const es = a.excludeFlags[k].flags ? s.excludes[k] : undefined;
    if (!es) return;
    lenses.push({ range: at(e.decl.start), command: { title: `removes ${n(es.removedFp)} false alarms and ${n(es.removedTp)} true anomalies (${split})`, command: '' } });
  });
  return lenses;
}
