// The review queue: the points a person should look at next, most useful first.
//   1. Active learning (the seed's margin): unlabelled points (each series' last point) where the
//      rules nearly fire or nearly do not, smallest margin first.
//   2. LLM disagreements: points the models sent to review (no consensus), in the order decided.
//   3. Rules against labels: labelled points the rules get wrong, smallest margin first.
// Points a person labelled are never queued again. Each item carries a suggested label from the
// nearest labelled points on the rules' features (a Gaussian kernel, as label propagation does);
// the suggestion is shown, never applied.
import type { Analysis } from '../engine/analyze';
import { formatTime } from '../engine/frame';
import { TRUE } from '../engine/kernels';
import type { PlanNode } from '../engine/plan';
import { Margins } from '../preview/margin';
import { LabelFrom } from './merge';

export type ReviewGroup = 'margin' | 'llm' | 'disagree';

export interface ReviewItem {
  series: string;
  time: string;
  group: ReviewGroup;
  /** The rules' verdict at the point: fired or not, and how far from the other verdict (null: no threshold moves it). */
  fired: boolean;
  margin: number | null;
  rules: { name: string; fired: boolean; margin: number | null }[];
  /** The label the point has now (merged), and from where. */
  label: 0 | 1 | null;
  source: 'csv' | 'llm' | 'human' | null;
  /** The CSV's label, when the LLMs' label overrides a different one. */
  csvLabel?: 0 | 1;
  /** The LLMs' last word at the point. */
  llm?: { reason: string; votes: string; source: string; label: 0 | 1 | null };
  suggestion?: { label: 0 | 1; confidence: number; neighbours: number };
}

export interface ReviewQueue {
  items: ReviewItem[];
  counts: { margin: number; llm: number; disagree: number };
  /** Labels by source, after the merge. */
  labels: { csv: number; llm: number; human: number };
}

const sources = [null, 'csv', 'llm', 'human'] as const;
const finite = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null);

/** The comparison operands the rules read: the features neighbours are measured on. */
function featureNodes(roots: (PlanNode | undefined)[]): PlanNode[] {
  const out = new Map<string, PlanNode>();
  const stack = roots.filter((n): n is PlanNode => !!n);
  const seen = new Set<PlanNode>();
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.op === 'cmp') for (const a of n.args) if (a.kind === 'number' && a.op !== 'num') out.set(a.key, a);
    stack.push(...n.args);
  }
  return [...out.values()].slice(0, 12);
}

export function buildReviewQueue(a: Analysis, opts: { perGroup?: number } = {}): ReviewQueue {
  const data = a.data!;
  const frame = data.frame;
  const overlay = data.labels?.overlay;
  const perGroup = opts.perGroup ?? 50;
  const rules = a.program.rules;
  const ruleNodes = rules.map((r) => r.node);
  const excludeNodes = a.program.excludes.map((e) => e.node);
  const margins = new Margins((n) => data.evaluator.values(n));
  const label = frame.label;
  const from = overlay?.from;
  const human = (i: number) => from?.[i] === LabelFrom.human;

  const item = (i: number, group: ReviewGroup): ReviewItem & { m: number } => {
    const d = margins.decision(ruleNodes, excludeNodes, i);
    const l = label?.[i];
    const e = overlay?.llm.get(i);
    return {
      series: frame.seriesIds[frame.seriesOf[i]],
      time: formatTime(frame, frame.time[i]),
      group,
      fired: d.fired,
      margin: finite(d.margin),
      m: d.margin,
      rules: rules.map((r, k) => {
        const f = a.ruleFlags[k].flags;
        const c = r.node ? margins.cond(r.node, i) : undefined;
        return { name: r.name, fired: f?.[i] === TRUE, margin: c ? finite(c.margin) : null };
      }),
      label: l === 0 || l === 1 ? l : null,
      source: sources[from?.[i] ?? (l === l && l !== undefined ? 1 : 0)],
      llm: e ? { reason: e.reason, votes: e.votes, source: e.source, label: e.label } : undefined,
    };
  };

  // 1. Unlabelled last points, nearest to a decision first.
  const margin: (ReviewItem & { m: number })[] = [];
  for (let s = 0; s < frame.seriesIds.length; s++) {
    const i = frame.seriesStart[s + 1] - 1;
    if (i < frame.seriesStart[s] || (label && label[i] === label[i]) || overlay?.llm.has(i) || !rules.length) continue;
    margin.push(item(i, 'margin'));
  }
  margin.sort((x, y) => x.m - y.m);
  // 2. Points the LLMs sent to review, then those where their label overrides a different CSV label.
  const llm: (ReviewItem & { m: number })[] = [];
  for (const [i, e] of overlay?.llm ?? []) if (e.label === null && !human(i)) llm.push(item(i, 'llm'));
  for (const [i, l] of overlay?.overridden ?? []) if (!human(i)) llm.push({ ...item(i, 'llm'), csvLabel: l });
  // 3. Labelled points the rules get wrong (found from the flags; margins only for those).
  const disagree: (ReviewItem & { m: number })[] = [];
  if (label && rules.length) {
    const ruleFlags = a.ruleFlags.map((r) => r.flags).filter((f): f is NonNullable<typeof f> => !!f);
    const excludeFlags = a.excludeFlags.map((e) => e.flags).filter((f): f is NonNullable<typeof f> => !!f);
    for (let i = 0; i < frame.length; i++) {
      const l = label[i];
      if (l !== l || human(i) || overlay?.overridden.has(i)) continue;
      const fired = ruleFlags.some((f) => f[i] === TRUE) && !excludeFlags.some((f) => f[i] === TRUE);
      if (fired !== (l === 1)) disagree.push(item(i, 'disagree'));
    }
    disagree.sort((x, y) => x.m - y.m);
  }
  const items = [...margin.slice(0, perGroup), ...llm.slice(0, perGroup), ...disagree.slice(0, perGroup)];
  suggest(a, items, ruleNodes);
  return {
    items: items.map(({ m: _m, ...rest }) => rest),
    counts: { margin: margin.length, llm: llm.length, disagree: disagree.length },
    labels: overlay?.counts ?? { csv: 0, llm: 0, human: 0 },
  };
}

/**
 * Suggested labels: the 7 nearest labelled points (at most 20,000 looked at) on the rules' features,
 * each scaled by its spread over those points, weighed by exp(-d^2 / 2).
 */
function suggest(a: Analysis, items: ReviewItem[], ruleNodes: (PlanNode | undefined)[]): void {
  const data = a.data!;
  const frame = data.frame;
  const label = frame.label;
  const nodes = featureNodes(ruleNodes);
  if (!label || !nodes.length || !items.length) return;
  const cols = nodes.map((n) => data.evaluator.values(n)).map((v) => (typeof v === 'number' ? new Float64Array(frame.length).fill(v) : (v as Float64Array)));
  const pool: number[] = [];
  for (let i = 0; i < frame.length; i++) if (label[i] === label[i]) pool.push(i);
  const stride = Math.max(1, Math.ceil(pool.length / 20000));
  const sample = pool.filter((_, k) => k % stride === 0);
  const scale = cols.map((c) => {
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (const i of sample) if (c[i] === c[i]) (n++, (sum += c[i]), (sq += c[i] * c[i]));
    const sd = n > 1 ? Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2)) : 0;
    return sd > 0 ? sd : 1;
  });
  const index = new Map<string, number>();
  for (let s = 0; s < frame.seriesIds.length; s++) index.set(frame.seriesIds[s], s);
  for (const it of items) {
    const s = index.get(it.series)!;
    let p = -1;
    for (let i = frame.seriesStart[s]; i < frame.seriesStart[s + 1]; i++) if (formatTime(frame, frame.time[i]) === it.time) p = i;
    if (p < 0) continue;
    const near: { d: number; l: number }[] = [];
    for (const j of sample) {
      if (j === p) continue;
      let d = 0;
      let dims = 0;
      for (let k = 0; k < cols.length; k++) {
        const x = cols[k][p];
        const y = cols[k][j];
        if (x !== x || y !== y) continue;
        d += ((x - y) / scale[k]) ** 2;
        dims++;
      }
      if (!dims) continue;
      near.push({ d: d / dims, l: label[j] });
    }
    near.sort((x, y) => x.d - y.d);
    const top = near.slice(0, 7);
    if (!top.length) continue;
    let w1 = 0;
    let w = 0;
    for (const t of top) {
      const weight = Math.exp(-t.d / 2);
      w += weight;
      if (t.l === 1) w1 += weight;
    }
    if (!(w > 0)) continue;
    const share = w1 / w;
    it.suggestion = { label: share >= 0.5 ? 1 : 0, confidence: Math.round(Math.max(share, 1 - share) * 100) / 100, neighbours: top.length };
  }
}
