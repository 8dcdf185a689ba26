// Behavioural analysis: what kind of mistakes a rule (or the whole file) makes, from its confusion
// matrix on train and its gap to validation, with the points that show it. Never reads test.
import type * as A from '../../../grammar/src/ast';
import { evaluate, f1Of, RefineError, requireRule, type Evaluation, type Figures, type RefineContext, type RuleFigures } from './context';
import { giniCut } from './cuts';
import { fmtValue, RuleView, type PointEvidence } from './evidence';
import { fileFeatures, trainValues } from './features';
import { plural } from '../../../grammar/src/plural';

export type BehaviourKind = 'dead' | 'redundant' | 'overfit' | 'over-aggressive' | 'over-conservative' | 'narrow' | 'balanced';

export interface BehaviourOptions {
  /** Train minus validation F1 above which rules are overfit (default 0.1). */
  overfitGap?: number;
  /** Share of errors tolerated before rules are over-aggressive or over-conservative (default 0.1). */
  tolerance?: number;
  /** Recall on train below which a precise rule is narrow rather than balanced (default 0.5). */
  minRecall?: number;
  /** How many false positives and missed anomalies to show (default 5). */
  top?: number;
  /** An evaluation of ctx.text already made. */
  ev?: Evaluation;
}

/** A feature that sets most false positives apart from the hits: "most with z < 3". */
export interface Pattern {
  feature: string;
  op: '>=' | '<';
  cut: number;
  /** Share of the false positives on that side. */
  share: number;
  text: string;
}

export interface RuleBehaviour {
  rule: string;
  /** The main finding, and every one that applies. */
  kind: BehaviourKind;
  kinds: BehaviourKind[];
  /** One line: "over-aggressive: 61 false positives, most with z < 3". */
  summary: string;
  train: RuleFigures;
  validation: RuleFigures;
  /** The rule's train F1 minus its validation F1. */
  gap: number;
  /** Anomalies no rule caught that this one missed by a single conjunct. */
  nearMisses: number;
  /** Conjuncts that blocked those near misses, most frequent first. */
  blockers: { conjunct: string; count: number }[];
  /** Rules that also catch every hit of this one (when redundant). */
  coveredBy: string[];
  pattern?: Pattern;
  /** Train points, those nearest the rule's thresholds first. */
  falsePositives: PointEvidence[];
  missed: PointEvidence[];
}

export interface FileBehaviour {
  kind: BehaviourKind;
  kinds: BehaviourKind[];
  summary: string;
  train: Figures;
  validation: Figures;
  gap: number;
  /** Anomalies some rule caught that an exclude removed. */
  excludedAnomalies: number;
  rules: RuleBehaviour[];
  /** File-level false positives and misses on train, with the rule nearest to each miss. */
  falsePositives: PointEvidence[];
  missed: PointEvidence[];
}

const defaults = { overfitGap: 0.1, tolerance: 0.1, minRecall: 0.5, top: 5 };

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : '-';
}

/** Labelled train points and, for each, whether it is excluded and which rules fire (after excludes). */
function trainState(ev: Evaluation) {
  const idx = ev.index('train');
  const excluded = new Uint8Array(idx.labelled.length);
  for (const e of ev.program.excludes) {
    if (!e.node) continue;
    const f = ev.at(e.node, 'train');
    for (let k = 0; k < excluded.length; k++) if ((typeof f === 'number' ? f : f[k]) === 1) excluded[k] = 1;
  }
  return { idx, excluded, fires: ev.ruleFired('train'), fired: ev.fired('train') };
}

/** Behaviour of one rule, in the context of the file's other rules and excludes. */
export function analyzeRule(ctx: RefineContext, name: string, opts: BehaviourOptions = {}): RuleBehaviour {
  const ev = opts.ev ?? evaluate(ctx, ctx.text);
  const o = { ...defaults, ...opts };
  const decl = requireRule(ev, name);
  const k = ev.program.rules.findIndex((r) => r.decl === decl);
  if (!ev.program.rules[k]?.node) throw new RefineError(`\`${name}\` has errors: fix them before refining it.`);
  const view = new RuleView(ev, decl);
  const st = trainState(ev);
  const train = ev.ruleFigures('train')[k];
  const validation = ev.ruleFigures('validation')[k];
  const gap = f1Of(train) - f1Of(validation);
  const lab = st.idx.labelled;
  const mine = st.fires[k];

  // Near misses: anomalies nothing caught (and no exclude removed) that one conjunct of this rule blocked.
  const near: { i: number; conj: string; margin: number }[] = [];
  for (let j = 0; j < lab.length; j++) {
    if (!st.idx.isAnomaly[j] || st.fired[j] || st.excluded[j]) continue;
    const c = view.nearMiss(lab[j]);
    if (c) near.push({ i: lab[j], conj: c.text, margin: view.closest(lab[j]).margin });
  }
  const blockers = countBy(near.map((n) => n.conj));

  const fps: { i: number; margin: number }[] = [];
  for (let j = 0; j < lab.length; j++) if (mine[j] && !st.idx.isAnomaly[j]) fps.push({ i: lab[j], margin: view.firingMargin(lab[j]) });

  const coveredBy: string[] = [];
  if (train.tp > 0 && train.uniqueTp === 0) {
    st.fires.forEach((f, m) => {
      if (m === k) return;
      for (let j = 0; j < lab.length; j++) if (mine[j] && f[j] && st.idx.isAnomaly[j]) return void coveredBy.push(ev.program.rules[m].name);
    });
  }

  const kinds: BehaviourKind[] = [];
  if (train.fires === 0) kinds.push('dead');
  if (coveredBy.length) kinds.push('redundant');
  const aggressive = train.fp > 0 && train.fp > o.tolerance * (train.tp + train.fp);
  const conservative = near.length > 0 && near.length > o.tolerance * (train.tp + near.length);
  const errs: BehaviourKind[] = [];
  if (aggressive) errs.push('over-aggressive');
  if (conservative) errs.push('over-conservative');
  if (errs.length === 2 && near.length > train.fp) errs.reverse();
  kinds.push(...errs);
  // Overfit is the main finding only for a rule that does well on train: a rule with many errors
  // on train is weak first, whatever validation says.
  if (gap > o.overfitGap && train.fires > 0) kinds.push('overfit');
  // Few errors of its own but most anomalies left to other rules (or to nobody): narrow, not balanced.
  if (!kinds.length && train.fires > 0 && train.recall < o.minRecall) kinds.push('narrow');
  if (!kinds.length) kinds.push('balanced');
  const kind = kinds[0];
  // Anomalies this rule misses that another rule catches.
  let byOthers = 0;
  for (let j = 0; j < lab.length; j++) if (st.idx.isAnomaly[j] && !mine[j] && st.fired[j]) byOthers++;

  const pattern = kinds.includes('over-aggressive') || kind === 'balanced' ? fpPattern(ev, mine, st.idx) : undefined;
  let summary: string;
  switch (kind) {
    case 'dead':
      summary = `dead: never fires on train (${plural(lab.length, 'labelled point')})`;
      break;
    case 'redundant':
      summary = `redundant: all ${train.tp} of its hits are also caught by ${coveredBy.map((n) => `\`${n}\``).join(', ')}`;
      break;
    case 'overfit':
      summary = `overfit: F1 ${fmt(train.f1)} on train vs ${fmt(validation.f1)} on validation (gap ${fmt(gap)} > ${o.overfitGap})`;
      break;
    case 'over-aggressive':
      summary = `over-aggressive: ${plural(train.fp, 'false positive')}${pattern ? `, ${pattern.text}` : ''}`;
      break;
    case 'over-conservative':
      summary = `over-conservative: ${plural(near.length, 'missed anomaly', 'missed anomalies')} within reach${blockers[0] ? `, ${blockers[0].count} blocked by \`${blockers[0].conjunct}\`` : ''}`;
      break;
    case 'narrow':
      summary = `narrow: precision ${fmt(train.precision)} but recall ${fmt(train.recall)}: it catches ${train.tp} of ${plural(train.tp + train.fn, 'anomaly', 'anomalies')}; other rules catch ${byOthers} of the ${train.fn} it misses`;
      break;
    default:
      summary = `balanced: precision ${fmt(train.precision)}, recall ${fmt(train.recall)} (${plural(train.tp, 'hit')}, ${plural(train.fp, 'false positive')}, ${plural(near.length, 'anomaly', 'anomalies')} missed within reach)`;
  }

  near.sort((a, b) => a.margin - b.margin || a.i - b.i);
  fps.sort((a, b) => a.margin - b.margin || a.i - b.i);
  return {
    rule: name,
    kind,
    kinds,
    summary,
    train,
    validation,
    gap,
    nearMisses: near.length,
    blockers,
    coveredBy,
    pattern,
    falsePositives: fps.slice(0, o.top).map((f) => view.evidence(f.i)),
    missed: near.slice(0, o.top).map((n) => view.evidence(n.i, n.conj, name)),
  };
}

function countBy(xs: string[]): { conjunct: string; count: number }[] {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m].map(([conjunct, count]) => ({ conjunct, count })).sort((a, b) => b.count - a.count || a.conjunct.localeCompare(b.conjunct));
}

/** The feature cut that best separates a rule's false positives from its hits (Gini). */
function fpPattern(ev: Evaluation, mine: Uint8Array, idx: ReturnType<Evaluation['index']>): Pattern | undefined {
  const pts: number[] = [];
  let fps = 0;
  for (let j = 0; j < mine.length; j++) if (mine[j]) pts.push(j), (fps += idx.isAnomaly[j] ? 0 : 1);
  if (fps < 2 || fps === pts.length) return undefined;
  const isFp = Uint8Array.from(idx.isAnomaly, (a) => (a ? 0 : 1));
  let best: (Pattern & { gain: number }) | undefined;
  for (const f of fileFeatures(ev)) {
    const cut = giniCut(trainValues(ev, f.node), isFp, pts);
    if (!cut || cut.gain <= 0 || (best && cut.gain <= best.gain)) continue;
    const share = cut.keptAnomalies / fps;
    if (share < 0.5) continue;
    const text = `${share >= 0.75 ? 'most' : `${Math.round(share * 100)}%`} with ${f.text} ${cut.op} ${fmtValue(cut.cut)}`;
    best = { feature: f.text, op: cut.op, cut: cut.cut, share, text, gain: cut.gain };
  }
  if (!best) return undefined;
  const { gain: _gain, ...pattern } = best;
  return pattern;
}

/** Behaviour of the file as a whole, and of each of its rules that can be evaluated. */
export function analyzeFile(ctx: RefineContext, opts: BehaviourOptions = {}): FileBehaviour {
  const ev = opts.ev ?? evaluate(ctx, ctx.text);
  const o = { ...defaults, ...opts };
  const train = ev.figures('train');
  const validation = ev.figures('validation');
  const gap = f1Of(train) - f1Of(validation);
  const rules = ev.program.rules.filter((r) => r.node).map((r) => analyzeRule(ctx, r.name, { ...opts, ev }));
  const views = ev.program.rules.filter((r) => r.node).map((r) => new RuleView(ev, r.decl as A.RuleDecl));
  const flags = ev.flags();
  const flagsOf = new Map(flags.rules.map((r) => [r.name, r.flags]));
  const st = trainState(ev);
  const lab = st.idx.labelled;
  const missed: { i: number; margin: number; view?: RuleView; blockedBy: string; blockedIn: string }[] = [];
  const fps: { i: number; view?: RuleView }[] = [];
  let excludedAnomalies = 0;
  for (let j = 0; j < lab.length; j++) {
    const i = lab[j];
    if (st.fired[j]) {
      if (!st.idx.isAnomaly[j]) fps.push({ i, view: views.find((v) => flagsOf.get(v.name)?.[i] === 1) });
      continue;
    }
    if (!st.idx.isAnomaly[j]) continue;
    const firing = views.find((v) => flagsOf.get(v.name)?.[i] === 1);
    if (st.excluded[j] && firing) {
      excludedAnomalies++;
      const ex = flags.excludes.find((e) => e.flags?.[i] === 1);
      missed.push({ i, margin: 0, view: firing, blockedBy: '', blockedIn: `exclude ${ex?.name ?? ''}` });
      continue;
    }
    let best: { margin: number; failing: number; view: RuleView; conj: string } | undefined;
    for (const v of views) {
      const c = v.closest(i);
      if (!best || c.failing.length < best.failing || (c.failing.length === best.failing && c.margin < best.margin)) {
        best = { margin: c.margin, failing: c.failing.length, view: v, conj: c.failing.map((x) => x.text).join(' and ') };
      }
    }
    if (best) missed.push({ i, margin: best.failing * 1e6 + best.margin, view: best.view, blockedBy: best.conj, blockedIn: best.view.name });
  }
  missed.sort((a, b) => a.margin - b.margin || a.i - b.i);

  const kinds: BehaviourKind[] = [];
  const fires = ev.fired('train').some((x) => x === 1);
  if (!fires) kinds.push('dead');
  const aggressive = train.fp > o.tolerance * (train.tp + train.fp);
  const conservative = train.fn > o.tolerance * (train.tp + train.fn);
  const errs: BehaviourKind[] = [];
  if (aggressive && train.fp > 0) errs.push('over-aggressive');
  if (conservative && train.fn > 0) errs.push('over-conservative');
  if (errs.length === 2 && train.fn > train.fp) errs.reverse();
  kinds.push(...errs);
  if (gap > o.overfitGap) kinds.push('overfit');
  if (!kinds.length) kinds.push('balanced');
  const kind = kinds[0];
  const summary =
    kind === 'dead'
      ? `dead: no rule fires on train (${plural(lab.length, 'labelled point')})`
      : kind === 'overfit'
        ? `overfit: F1 ${fmt(train.f1)} on train vs ${fmt(validation.f1)} on validation (gap ${fmt(gap)} > ${o.overfitGap})`
        : kind === 'over-aggressive'
          ? `over-aggressive: ${plural(train.fp, 'false positive')} against ${plural(train.tp, 'hit')}`
          : kind === 'over-conservative'
            ? `over-conservative: ${train.fn} of ${train.tp + train.fn} anomalies missed${excludedAnomalies ? ` (${excludedAnomalies} removed by excludes)` : ''}`
            : `balanced: F1 ${fmt(train.f1)} (precision ${fmt(train.precision)}, recall ${fmt(train.recall)})`;
  const top = o.top;
  return {
    kind,
    kinds,
    summary,
    train,
    validation,
    gap,
    excludedAnomalies,
    rules,
    falsePositives: fps.slice(0, top).flatMap((f) => (f.view ? [f.view.evidence(f.i)] : [])),
    missed: missed.slice(0, top).flatMap((m) => (m.view ? [m.view.evidence(m.i, m.blockedBy || undefined, m.blockedIn)] : [])),
  };
}

function row(split: string, f: Figures | RuleFigures): string {
  return `| ${split} | ${fmt(f.precision)} | ${fmt(f.recall)} | ${fmt(f.f1)} | ${f.tp} | ${f.fp} | ${f.fn} |`;
}

function points(title: string, ps: PointEvidence[]): string[] {
  if (!ps.length) return [];
  const lines = [`**${title}**`, ''];
  for (const p of ps) {
    const recent = p.recent.map((r) => `${r.column}: ${r.values.map(fmtValue).join(', ')}`).join('; ');
    const where = p.blockedIn?.startsWith('exclude') ? `removed by ${p.blockedIn}` : p.blockedIn ? `\`${p.blockedIn}\`` : '';
    const blocked = p.blockedBy ? ` blocked by \`${p.blockedBy}\`${where && !where.startsWith('removed') ? ` in ${where}` : ''};` : where ? ` ${where};` : '';
    lines.push(`- \`${p.series}\` ${p.time}:${blocked} ${p.text}${recent ? ` (recent ${recent})` : ''}`);
  }
  lines.push('');
  return lines;
}

/** Markdown for a hover: the summary, the figures on train and validation, and the evidence. */
export function behaviourMarkdown(b: RuleBehaviour | FileBehaviour): string {
  const head = 'rule' in b ? `**\`${b.rule}\`**: ${b.summary}` : `**This file**: ${b.summary}`;
  return [
    head,
    '',
    '| split | precision | recall | F1 | TP | FP | FN |',
    '|---|---|---|---|---|---|---|',
    row('train', b.train),
    row('validation', b.validation),
    '',
    ...points('False positives (train)', b.falsePositives),
    ...points('Missed anomalies (train)', b.missed),
  ]
    .join('\n')
    .trimEnd();
}
