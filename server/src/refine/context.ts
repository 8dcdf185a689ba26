// What refinement works on: a rule file and its loaded, labelled dataset. Candidate texts are
// evaluated against the same data (the engine's feature cache makes re-scoring cheap), and only on
// the train and validation splits. The test split is out of reach by construction: the context's
// frame has no labels on test points, and its scoring answers for train and validation only.
import { check, type CheckResult, type Schema } from '../../../grammar/src/check';
import type { Issue } from '../../../grammar/src/issues';
import { parse, type ParseResult } from '../../../grammar/src/parse';
import type * as A from '../../../grammar/src/ast';
import type { Analysis } from '../engine/analyze';
import type { Evaluator } from '../engine/evaluate';
import { objectiveScore, type EventIndex } from '../engine/events';
import { schemaOf, withLabel, type Frame } from '../engine/frame';
import { TRUE, type Bool } from '../engine/kernels';
import { score, type FileScores, type NamedFlags, type ObjectiveInfo, type RuleScores, type SplitIndex } from '../engine/metrics';
import { compile, type PlanNode, type Program } from '../engine/plan';
import type { DataSession } from '../engine/store';
import { atSessionEnds } from '../engine/sessions';
import { PointEvaluator, type PointValues } from './points';

/** The splits refinement may read. Test is read only by the final selection in learn.ts. */
export type TuneSplit = 'train' | 'validation';

/** A refinement failure with a message for people (no data, no labels, unknown rule...). */
export class RefineError extends Error {}

/** What refinement may read of the data: the points, and labels everywhere but on test. */
export interface TuneData {
  /** The loaded frame with the labels of test points removed (NaN). */
  frame: Frame;
  evaluator: Evaluator;
}

/** Scoring on train and validation only: asking it for test throws. */
export interface TuneScoring {
  /** The objective the dataset block asks for (or the default from the labels). */
  objective: ObjectiveInfo;
  tolerance: number;
  index(split: TuneSplit): SplitIndex;
  events(split: TuneSplit): EventIndex;
  /** Full metrics of flag columns on a split. */
  score(split: TuneSplit, rules: NamedFlags[], excludes: NamedFlags[]): FileScores;
  /** The objective of flagging every point of a split: the baseline learned rules must beat. */
  flagAll(split: TuneSplit): number;
}

export interface RefineContext {
  /** The rule file as it is now, and its path when it has one. */
  text: string;
  path?: string;
  data: TuneData;
  scoring: TuneScoring;
  shares: [number, number, number];
  schema: Schema;
  /** `labels = sessions`: rules are judged at each series' last row only (engine/sessions.ts). */
  sessions: boolean;
  /** Dataset column roles (series, time, label, reason) from the file's dataset block. */
  roles: CheckResult['dataset']['columns'];
  /** Evaluates plans at the labelled train and validation points (train first). */
  points: PointEvaluator;
  /** Where each split's labelled points start and end in `points`. */
  ranges: Record<TuneSplit, [number, number]>;
}

/** A context from an analysis that loaded its dataset; throws RefineError otherwise. */
export function contextFromAnalysis(a: Analysis): RefineContext {
  if (!a.data) {
    const why = a.dataError ? a.dataError.message : 'the file names no dataset';
    throw new RefineError(`Cannot refine without labelled data: ${why}. Add a \`dataset "file.csv" { ... label = column }\` block.`);
  }
  return createContext(a.parse.text, a.path, a.data, a.shares);
}

const tuneSplits = new Set<string>(['train', 'validation']);

function tuneOnly(split: string): void {
  if (!tuneSplits.has(split)) throw new RefineError(`Refinement reads the train and validation splits only, not ${split}.`);
}

export function createContext(text: string, path: string | undefined, data: DataSession, shares: [number, number, number]): RefineContext {
  const spec = check(parse(text)).dataset;
  const roles = spec.columns;
  if (!data.frame.label) throw new RefineError('The dataset has no label column: name it in the dataset block, e.g. `label = is_anomaly`.');
  const index = data.scoring(shares);
  const train = index.get('train').labelled;
  const validation = index.get('validation').labelled;
  if (!train.length) throw new RefineError('The train split has no labelled points: label more points, or give train a larger share (`split = 60/20/20`).');
  const all = new Int32Array(train.length + validation.length);
  all.set(train);
  all.set(validation, train.length);
  const ranges: Record<TuneSplit, [number, number]> = { train: [0, train.length], validation: [train.length, all.length] };
  const tolerance = spec.tolerance;
  const options = { objective: spec.objective, tolerance };
  const flagAll: Partial<Record<TuneSplit, number>> = {};
  const scoring: TuneScoring = {
    objective: index.objective(spec.objective),
    tolerance,
    index: (split) => (tuneOnly(split), index.get(split)),
    events: (split) => (tuneOnly(split), index.events(split, tolerance)),
    score: (split, rules, excludes) => (tuneOnly(split), score(index, split, rules, excludes, options)),
    flagAll: (split) => {
      tuneOnly(split);
      return (flagAll[split] ??= objectiveScore(scoring.objective.objective, new Uint8Array(data.frame.length).fill(1), index.events(split, tolerance)));
    },
  };
  return { text, path, data: { frame: withoutTestLabels(data.frame, index.splits.of), evaluator: data.evaluator }, scoring, shares, schema: schemaOf(data.frame), sessions: spec.labels === 'sessions', roles, points: new PointEvaluator(data.evaluator, all), ranges };
}

/** The frame with every test point's label removed: the one copy refinement holds. */
function withoutTestLabels(frame: Frame, splitOf: Uint8Array): Frame {
  if (!frame.label) return frame;
  const label = Float64Array.from(frame.label);
  for (let i = 0; i < label.length; i++) if (splitOf[i] === 2) label[i] = Number.NaN;
  return withLabel(frame, label);
}

/** The same data, another version of the file. */
export function withText(ctx: RefineContext, text: string): RefineContext {
  return { ...ctx, text };
}

/** Counts at labelled points, file level (any rule fires and no exclude does). */
export interface Figures {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** NaN when undefined. */
  precision: number;
  recall: number;
  f1: number;
  /** The file's objective on the split (point F1, event F1 or F-beta; 0 when undefined). */
  objective: number;
}

export type SplitFigures = Record<TuneSplit, Figures>;

export function figures(tp: number, fp: number, anomalies: number, labelled: number, objective?: number): Figures {
  const fn = anomalies - tp;
  const f1 = 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN;
  return {
    tp,
    fp,
    fn,
    tn: labelled - anomalies - fp,
    precision: tp + fp ? tp / (tp + fp) : Number.NaN,
    recall: anomalies ? tp / anomalies : Number.NaN,
    f1,
    objective: objective ?? (Number.isNaN(f1) ? 0 : f1),
  };
}

/** The objective of figures, for comparisons. */
export function objOf(f: Figures): number {
  return f.objective;
}

/** F1 with NaN read as 0, for comparisons. */
export function f1Of(f: Pick<Figures, 'f1'>): number {
  return Number.isNaN(f.f1) ? 0 : f.f1;
}

/** Train F1 minus validation F1: how much better the rules look on the data they were tuned on. */
export function gapOf(s: SplitFigures): number {
  return f1Of(s.train) - f1Of(s.validation);
}

/** One version of the rule file, parsed, checked, compiled and evaluated on the loaded data. */
export interface Evaluation {
  ctx: RefineContext;
  text: string;
  parse: ParseResult;
  check: CheckResult;
  program: Program;
  /** Error-severity issues of the file. */
  errors: Issue[];
  /** Labelled points of a split, and their labels. */
  index(split: TuneSplit): SplitIndex;
  /** A plan node's values at the labelled points of a split (aligned with index(split).labelled). */
  at(node: PlanNode, split: TuneSplit): PointValues;
  /** Whether each rule fires (after excludes) at the labelled points of a split. */
  ruleFired(split: TuneSplit): Uint8Array[];
  /** Whether the file flags each labelled point of the split. */
  fired(split: TuneSplit): Uint8Array;
  /** Whether the file flags each point of the frame (1) or not (0): rules, less excludes. */
  fileFlags(): Uint8Array;
  figures(split: TuneSplit): Figures;
  split(): SplitFigures;
  /** Per-rule figures at the labelled points of a split, aligned with program.rules. */
  ruleFigures(split: TuneSplit): RuleFigures[];
  /** Full-length flag columns of the rules and excludes (computed on first use). */
  flags(): { rules: NamedFlags[]; excludes: NamedFlags[] };
  /** Full metrics (per rule, excludes, events), as the editor shows them. */
  scores(split: TuneSplit): FileScores;
  /** The rule declaration named `name`, if the file has one. */
  rule(name: string): A.RuleDecl | undefined;
}

/** A rule's own figures at labelled points; `fires` counts labelled points where it fires. */
export type RuleFigures = Pick<RuleScores, 'name' | 'tp' | 'fp' | 'fn' | 'tn' | 'precision' | 'recall' | 'f1' | 'fires' | 'uniqueTp'>;

/** `prepared`: the text already parsed, checked (with ctx.schema) and compiled, e.g. by the analysis. */
export function evaluate(ctx: RefineContext, text: string, prepared?: { parse: ParseResult; check: CheckResult; program: Program }): Evaluation {
  const parsed = prepared?.parse ?? parse(text);
  const checked = prepared?.check ?? check(parsed, ctx.schema);
  const program = prepared?.program ?? compile(checked);
  const scoring = ctx.scoring;
  const pv = ctx.points;
  const slice = (v: PointValues, split: TuneSplit, n: number): ArrayLike<number> => {
    if (typeof v === 'number') return new Uint8Array(n).fill(v);
    const [a, b] = ctx.ranges[split];
    return v.subarray(a, b);
  };
  const memo = new Map<string, unknown>();
  const once = <T>(key: string, f: () => T): T => {
    if (!memo.has(key)) memo.set(key, f());
    return memo.get(key) as T;
  };
  const self: Evaluation = {
    ctx,
    text,
    parse: parsed,
    check: checked,
    program,
    errors: checked.issues.filter((i) => i.severity === 'error'),
    index: (split) => scoring.index(split),
    at(node, split) {
      const v = pv.values(node);
      if (typeof v === 'number') return v;
      const [a, b] = ctx.ranges[split];
      return v.subarray(a, b);
    },
    ruleFired: (split) =>
      once(`rules:${split}`, () => {
        const n = scoring.index(split).labelled.length;
        const excluded = new Uint8Array(n);
        for (const e of program.excludes) {
          if (!e.node) continue;
          const f = slice(pv.values(e.node), split, n);
          for (let k = 0; k < n; k++) if (f[k] === TRUE) excluded[k] = 1;
        }
        return program.rules.map((r) => {
          const out = new Uint8Array(n);
          if (!r.node) return out;
          const f = slice(pv.values(r.node), split, n);
          for (let k = 0; k < n; k++) out[k] = f[k] === TRUE && !excluded[k] ? 1 : 0;
          return out;
        });
      }),
    fired: (split) =>
      once(`fired:${split}`, () => {
        const out = new Uint8Array(scoring.index(split).labelled.length);
        for (const r of self.ruleFired(split)) for (let k = 0; k < out.length; k++) out[k] |= r[k];
        return out;
      }),
    fileFlags: () => once('fileFlags', () => fileFlagsOf(self.flags(), ctx.data.frame.length)),
    figures: (split) =>
      once(`figures:${split}`, () => {
        const idx = scoring.index(split);
        const f = self.fired(split);
        let tp = 0;
        let fp = 0;
        for (let k = 0; k < f.length; k++) if (f[k]) idx.isAnomaly[k] ? tp++ : fp++;
        // Point F1 needs only the labelled points; event objectives read every point's flag.
        const objective = scoring.objective.objective.kind === 'point_f1' ? undefined : objectiveScore(scoring.objective.objective, self.fileFlags(), scoring.events(split));
        return figures(tp, fp, idx.anomalies, idx.labelled.length, objective);
      }),
    split: () => ({ train: self.figures('train'), validation: self.figures('validation') }),
    ruleFigures: (split) =>
      once(`ruleFigures:${split}`, () => {
        const idx = scoring.index(split);
        const all = self.ruleFired(split);
        // How many rules fire at each point: a hit is unique where that is 1 (one pass, not rules x rules).
        const firing = new Uint32Array(idx.labelled.length);
        for (const f of all) for (let k = 0; k < f.length; k++) firing[k] += f[k];
        return all.map((mine, r) => {
          let tp = 0;
          let fp = 0;
          let uniqueTp = 0;
          for (let k = 0; k < mine.length; k++) {
            if (!mine[k]) continue;
            if (!idx.isAnomaly[k]) fp++;
            else {
              tp++;
              if (firing[k] === 1) uniqueTp++;
            }
          }
          return { ...figures(tp, fp, idx.anomalies, idx.labelled.length), name: program.rules[r].name, fires: tp + fp, uniqueTp };
        });
      }),
    flags: () =>
      once('flags', () => {
        const ev = ctx.data.evaluator;
        const at = (b: Bool) => (ctx.sessions ? atSessionEnds(b, ctx.data.frame) : b);
        const flags = (d: Program['rules'][number]): NamedFlags => ({ name: d.name, flags: d.node ? at(ev.column(d.node) as Bool) : undefined });
        return { rules: program.rules.map(flags), excludes: program.excludes.map(flags) };
      }),
    scores: (split) =>
      once(`scores:${split}`, () => {
        const f = self.flags();
        return scoring.score(split, f.rules, f.excludes);
      }),
    rule: (name) => parsed.file.rules.find((r) => r.name?.name === name),
  };
  return self;
}

/** The rule named `name`, or a RefineError listing the rules there are. */
export function requireRule(ev: Evaluation, name: string): A.RuleDecl {
  const r = ev.rule(name);
  if (r) return r;
  const names = ev.parse.file.rules.flatMap((d) => (d.name ? [d.name.name] : []));
  throw new RefineError(`No rule \`${name}\` in this file${names.length ? `; its rules: ${names.join(', ')}` : ''}.`);
}

/** Rules or'ed, excludes removed: 1 where the file flags a point. */
export function fileFlagsOf(f: { rules: NamedFlags[]; excludes: NamedFlags[] }, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (const r of f.rules) if (r.flags) for (let i = 0; i < n; i++) if (r.flags[i] === TRUE) out[i] = 1;
  for (const e of f.excludes) if (e.flags) for (let i = 0; i < n; i++) if (e.flags[i] === TRUE) out[i] = 0;
  return out;
}

/**
 * How well figures hold up on both splits: the geometric mean of the train and validation
 * objectives, each divided by flagging every point on that split (splits can differ in their
 * share of anomalies). Two samples of evidence: a lucky fit to either one (train may hold few
 * events; among many candidates one fits validation by chance) is not enough. Candidates that
 * pass the acceptance rule are chosen by it.
 */
export function holdsUp(ctx: RefineContext, f: { train: number; validation: number }): number {
  const t = ctx.scoring.flagAll('train');
  const v = ctx.scoring.flagAll('validation');
  return Math.sqrt(Math.max(0, t > 0 ? f.train / t : f.train) * Math.max(0, v > 0 ? f.validation / v : f.validation));
}
