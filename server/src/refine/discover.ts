// Rule discovery from scratch, by sequential covering (RIPPER-style): grow one rule on what the
// file does not flag yet, a conjunction of predicates from the search space chosen by a beam
// search on the train objective (with a cost per condition and per rule); prune it on validation;
// add it when it passes the acceptance rule; repeat. Predicates are bit sets computed once, so a
// candidate costs an `and`, an `or` and a score over n / 32 words (BitScorer, equal to the
// engine's objectiveScore). Then rule cleaning: a rule whose conditions include another rule's and
// whose precision is no better is dropped. Each rule gets a name and a title that say what it
// means, a plain-English comment (grammar/src/explain.ts), and cuts rounded as far as the train
// score allows.
import { explainDecl } from '../../../grammar/src/explain';
import { parse } from '../../../grammar/src/parse';
import type * as A from '../../../grammar/src/ast';
import type { EventIndex } from '../engine/events';
import { and, andNot, anyIn, BitScorer, bitsOfBool, countAnd, hold, or, type Bits } from './bits';
import { evaluate, holdsUp, objOf, withText, type Evaluation, type RefineContext, type SplitFigures } from './context';
import { chain, checkAddedRule, declaredNames, sourceOf } from './edit';
import { conditionCost, defaultMinGain, ruleCost, verdict } from './proposal';
import { oneStandardError } from './select';
import { fmtCut, heldLiteral, recut, spaceFor, type Literal, type Space } from './space';

export interface DiscoverOptions {
  /** Most rules in the file (default 8). */
  maxRules?: number;
  /** Most conditions in one rule (default 4). */
  maxConditions?: number;
  /** Least gain on train, with the complexity cost (default 0.002). */
  minGain?: number;
  /** Conjunctions kept at each depth of the beam search (default 8). */
  beam?: number;
  /** Rules returned by nextRules, best first (default 6). */
  candidates?: number;
  signal?: AbortSignal;
}

export interface FoundRule {
  name: string;
  title: string;
  ruleText: string;
  /** The rule in plain English (a comment for the file). */
  comment: string;
  /** The train objective of the file with the rule added, and the gain with the complexity cost. */
  train: number;
  gain: number;
}

interface Candidate {
  lits: Literal[];
  hold?: number;
  /** FOIL gain over the conjunction it grew from (growth ranks by it). */
  foil?: number;
  bits: Bits;
  train: number;
  gain: number;
}

interface Scorers {
  train: BitScorer;
  validation: BitScorer;
}

const scorers = new WeakMap<EventIndex, BitScorer>();

function scorerFor(ctx: RefineContext, idx: EventIndex): BitScorer {
  let s = scorers.get(idx);
  if (!s || s.objective !== ctx.scoring.objective.objective) scorers.set(idx, (s = new BitScorer(ctx.scoring.objective.objective, idx)));
  return s;
}

/** The file's flags and its excluded points, as bit sets. */
function fileBits(ev: Evaluation): { flags: Bits; excluded: Bits } {
  const f = ev.flags();
  const n = ev.ctx.data.frame.length;
  const excluded = new Uint32Array((n + 31) >>> 5);
  for (const e of f.excludes) if (e.flags) or(excluded, bitsOfBool(e.flags), excluded);
  return { flags: bitsOfBool(ev.fileFlags()), excluded };
}

function costOf(c: { lits: Literal[] }): number {
  return ruleCost + conditionCost * c.lits.length;
}

const key = (c: { lits: Literal[]; hold?: number }) =>
  c.lits
    .map((l) => l.text)
    .sort()
    .join(' & ') + (c.hold ? ` @${c.hold}` : '');

/**
 * Candidate rules to add to the file `ev` evaluates, best first by the gain on train with the
 * complexity cost; each pruned on validation. Empty when the file has its most rules.
 */
export function nextRules(ctx: RefineContext, ev: Evaluation, opts: DiscoverOptions = {}): FoundRule[] {
  const maxRules = opts.maxRules ?? 8;
  if (ev.program.rules.length >= maxRules) return [];
  const minGain = opts.minGain ?? defaultMinGain;
  const maxConditions = opts.maxConditions ?? 4;
  const B = opts.beam ?? 8;
  const space = spaceFor(ctx, { signal: opts.signal });
  const sc: Scorers = { train: scorerFor(ctx, ctx.scoring.events('train')), validation: scorerFor(ctx, ctx.scoring.events('validation')) };
  const { flags: base, excluded } = fileBits(ev);
  const baseTrain = sc.train.score(base);
  const scratch = new Uint32Array(base.length);
  const scoreOf = (bits: Bits, s: BitScorer) => s.score(or(base, andNot(bits, excluded, scratch), scratch));
  const make = (lits: Literal[], bits: Bits, holdW?: number): Candidate => {
    const train = scoreOf(bits, sc.train);
    return { lits, bits, hold: holdW, train, gain: train - baseTrain - costOf({ lits }) };
  };
  // A rule must catch train events in two series at least (when two series have some): a rule
  // that only fits one series' history does not carry to the others.
  const support = seriesSupport(ctx.scoring.events('train'), space.frame.seriesOf);
  const carries = (c: Candidate) => support.needed < 2 || support.count(c.bits) >= 2;
  const pool = new Map<string, Candidate>();
  const offer = (c: Candidate) => {
    if (c.gain >= minGain - 1e-12 && !pool.has(key(c)) && carries(c)) pool.set(key(c), c);
  };
  const top = (xs: Candidate[], k: number) => {
    const seen = new Set<string>();
    return xs
      .sort((a, b) => b.gain - a.gain)
      .filter((c) => !seen.has(key(c)) && carries(c) && (seen.add(key(c)), true))
      .slice(0, k);
  };

  // Depth 1: every predicate, and held versions of the best ones.
  // Growth ranks conjunctions by FOIL gain on what the file does not flag yet (RIPPER): a
  // condition that is imprecise alone but makes a precise pair with another still grows. Each
  // conjunction is also a candidate rule, judged by the objective.
  const train = ctx.scoring.index('train');
  const open = { pos: new Uint32Array(base.length), neg: new Uint32Array(base.length) };
  for (let k = 0; k < train.labelled.length; k++) {
    const i = train.labelled[k];
    if ((base[i >>> 5] >>> (i & 31)) & 1 || (excluded[i >>> 5] >>> (i & 31)) & 1) continue;
    (train.isAnomaly[k] ? open.pos : open.neg)[i >>> 5] |= 1 << (i & 31);
  }
  const root = { p: countAnd(open.pos, open.pos), n: countAnd(open.neg, open.neg) };
  const foil = (bits: Bits, parent: { p: number; n: number }) => {
    const p = countAnd(bits, open.pos);
    const n = countAnd(bits, open.neg);
    if (!p || !parent.p) return { p, n, gain: 0 };
    return { p, n, gain: p * (Math.log2(p / (p + n)) - Math.log2(parent.p / (parent.p + parent.n))) };
  };
  const grow = (lits: Literal[], bits: Bits, parent: { p: number; n: number }, holdW?: number) => {
    const c = make(lits, bits, holdW);
    const f = foil(bits, parent);
    return Object.assign(c, { foil: f.gain, pn: { p: f.p, n: f.n } });
  };
  const beamOf = (xs: (Candidate & { pn: { p: number; n: number } })[]) => {
    const byFoil = [...xs].sort((a, b) => (b.foil ?? 0) - (a.foil ?? 0));
    const seen = new Set<string>();
    const out: typeof xs = [];
    for (const c of [...byFoil.slice(0, B), ...top([...xs], Math.ceil(B / 2))] as typeof xs) if (!seen.has(key(c)) && carries(c) && (seen.add(key(c)), true)) out.push(c);
    return out;
  };
  let level = space.literals.map((l) => grow([l], l.bits, root));
  if (space.holds.length) {
    for (const c of beamOf(level).slice(0, 40)) for (const w of space.holds) {
      const h = heldLiteral(c.lits[0], w, space.frame);
      level.push(grow([h], h.bits, root));
    }
  }
  level.forEach(offer);
  let beam = beamOf(level);
  for (let depth = 2; depth <= maxConditions && beam.length && !opts.signal?.aborted; depth++) {
    const next: (Candidate & { pn: { p: number; n: number } })[] = [];
    for (const c of beam) {
      const families = new Set(c.lits.map((l) => l.feature.family));
      for (const l of space.literals) {
        if (families.has(l.feature.family)) continue;
        const bits = and(c.bits, l.bits);
        next.push(grow([...c.lits, l], bits, c.pn));
      }
    }
    // Held conjunctions: the rule as a whole kept on for a while after it held.
    for (const c of top(next, B)) if (!c.lits.some((l) => l.hold)) for (const w of space.holds) offer(make(c.lits, hold(c.bits, w, space.frame.seriesStart), w));
    next.forEach(offer);
    beam = beamOf(next);
  }
  // Held single predicates as whole rules too.
  for (const c of top([...pool.values()].filter((x) => x.lits.length === 1 && !x.hold && !x.lits[0].hold), B)) {
    for (const w of space.holds) offer(make(c.lits, hold(c.bits, w, space.frame.seriesStart), w));
  }

  // A short list proposed on train: the best few of each shape (conditions, held or not), so a
  // simple rule is not crowded out by variants of a long one. Each is pruned on validation
  // (RIPPER's pruning set) and its cuts rounded; then the list is ranked on validation.
  const shapes = new Map<string, Candidate[]>();
  for (const c of [...pool.values()].sort((a, b) => b.gain - a.gain)) {
    const shape = `${c.lits.length}:${c.hold || c.lits.some((l) => l.hold) ? 'held' : ''}`;
    const list = shapes.get(shape) ?? [];
    if (list.length < 3) shapes.set(shape, [...list, c]);
  }
  // And the best one-condition rule of each feature, so a feature whose train score is modest
  // (train may hold few events) still meets validation.
  const families = new Map<string, Candidate>();
  for (const c of [...pool.values()].sort((a, b) => b.gain - a.gain)) {
    if (c.lits.length > 1) continue;
    const f = c.lits[0].feature.text + (c.hold || c.lits[0].hold ? '@' : '');
    if (!families.has(f) && families.size < features) families.set(f, c);
  }
  const baseVal = sc.validation.score(base);
  const ranked: { c: Candidate; val: number }[] = [];
  const seen = new Set<string>();
  for (const c of [...shapes.values()].flat().concat([...families.values()])) {
    const p = roundCuts(space, pruneOnValidation(c, sc, base, excluded, baseTrain, minGain, space), sc, base, excluded, baseTrain);
    if (seen.has(key(p)) || p.gain < minGain - 1e-12) continue;
    seen.add(key(p));
    const val = sc.validation.score(or(base, andNot(p.bits, excluded)));
    if (val >= baseVal - 1e-12) ranked.push({ c: p, val: holdsUp(ctx, { train: p.train, validation: val }) });
  }
  const taken = declaredNames(ev.parse.file);
  return ranked
    .sort((a, b) => b.val - a.val || b.c.gain - a.c.gain)
    .slice(0, opts.candidates ?? 6)
    .map((r) => render(r.c, taken));
}

/** Features whose best one-condition rule is judged on validation. */
const features = 256;

/** In how many series a flag set catches a train event; how many series have one. */
function seriesSupport(idx: EventIndex, seriesOf: Int32Array): { needed: number; count(bits: Bits): number } {
  const { events, windows } = idx;
  const series = new Set<number>();
  for (let e = 0; e < events.length; e += 2) series.add(seriesOf[events[e]]);
  return {
    needed: series.size,
    count(bits) {
      const hit = new Set<number>();
      for (let e = 0; e < events.length; e += 2) {
        const s = seriesOf[events[e]];
        if (!hit.has(s) && anyIn(bits, windows[e], windows[e + 1])) hit.add(s);
        if (hit.size >= 2) break;
      }
      return hit.size;
    },
  };
}

/** Drops conditions (or the hold) while the validation objective does not fall and train still gains. */
function pruneOnValidation(c: Candidate, sc: Scorers, base: Bits, excluded: Bits, baseTrain: number, minGain: number, space: Space): Candidate {
  const val = (x: Candidate) => sc.validation.score(or(base, andNot(x.bits, excluded)));
  const rebuild = (lits: Literal[], w?: number): Candidate | undefined => {
    if (!lits.length) return undefined;
    let bits = lits[0].bits;
    for (const l of lits.slice(1)) bits = and(bits, l.bits);
    if (w) bits = hold(bits, w, space.frame.seriesStart);
    const train = sc.train.score(or(base, andNot(bits, excluded)));
    return { lits, hold: w, bits, train, gain: train - baseTrain - costOf({ lits }) };
  };
  let cur = c;
  let curVal = val(c);
  for (;;) {
    const options: Candidate[] = [];
    for (let k = 0; k < cur.lits.length && cur.lits.length > 1; k++) {
      const x = rebuild(
        cur.lits.filter((_, j) => j !== k),
        cur.hold,
      );
      if (x) options.push(x);
    }
    if (cur.hold) {
      const x = rebuild(cur.lits);
      if (x) options.push(x);
    }
    let best: { c: Candidate; v: number } | undefined;
    for (const o of options) {
      if (o.gain < minGain - 1e-12) continue;
      const v = val(o);
      if (v >= curVal - 1e-12 && (!best || v > best.v + 1e-12 || (Math.abs(v - best.v) <= 1e-12 && o.gain > best.c.gain))) best = { c: o, v };
    }
    if (!best) return cur;
    cur = best.c;
    curVal = best.v;
  }
}

/** Rounder numbers for a cut, roundest first. */
function roundings(x: number): number[] {
  const out: number[] = [];
  if (x === 0) return out;
  for (let d = 1; d <= 3; d++) out.push(Number(x.toPrecision(d)));
  out.push(Math.round(x));
  return [...new Set(out)].filter((v) => v !== x && Number.isFinite(v));
}

/** Each cut as round as it can be without changing the train score. */
function roundCuts(space: Space, c: Candidate, sc: Scorers, base: Bits, excluded: Bits, baseTrain: number): Candidate {
  let cur = c;
  for (let k = 0; k < cur.lits.length; k++) {
    const l = cur.lits[k];
    if (l.feature.ever && l.cut === 1) continue;
    for (const r of roundings(l.cut)) {
      const nl = recut(space, l, r);
      if (!nl) break;
      const lits = cur.lits.map((x, j) => (j === k ? nl : x));
      let bits = lits[0].bits;
      for (const x of lits.slice(1)) bits = and(bits, x.bits);
      if (cur.hold) bits = hold(bits, cur.hold, space.frame.seriesStart);
      const train = sc.train.score(or(base, andNot(bits, excluded)));
      if (Math.abs(train - cur.train) <= 1e-12) {
        cur = { lits, hold: cur.hold, bits, train, gain: train - baseTrain - costOf({ lits }) };
        break;
      }
    }
  }
  return cur;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function render(c: Candidate, taken: Set<string>): FoundRule {
  const conj = c.lits.map((l) => (c.lits.length > 1 && / or /.test(l.text) ? `(${l.text})` : l.text)).join(' and ');
  const expr = c.hold ? `count(${conj}, ${c.hold}) >= 1` : conj;
  let base = c.lits
    .slice(0, 2)
    .map((l) => l.name)
    .join('_and_')
    .slice(0, 48)
    .replace(/_+$/, '');
  if (c.hold) base += '_lately';
  if (!/^[A-Za-z_]/.test(base)) base = `r_${base}`;
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  const title = capital(c.lits.map((l) => l.phrase).join(' and ') + (c.hold ? ' lately' : ''));
  const ruleText = `rule ${name} ${JSON.stringify(title)} when ${expr}`;
  const decl = parse(ruleText).file.rules[0];
  return { name, title, ruleText, comment: decl ? explainDecl(decl) : '', train: c.train, gain: c.gain };
}

export interface DiscoverResult {
  /** The file with the rules added (and cleaned). */
  text: string;
  /** Rules added, in order, with the file's figures after each. */
  rules: { name: string; ruleText: string; comment: string; after: SplitFigures }[];
  before: SplitFigures;
  after: SplitFigures;
  /** Rules found but not added, and why; rules cleaned away. */
  rejected: { ruleText: string; reason: string }[];
}

/**
 * Sequential covering over the whole file: add the discovered rule that passes the acceptance rule
 * (train gain with the complexity cost, validation not falling) and is best on validation; repeat
 * until none passes or the file has its most rules; then clean.
 */
export function discover(ctx: RefineContext, opts: DiscoverOptions & { ev?: Evaluation } = {}): DiscoverResult {
  const start = opts.ev ?? evaluate(ctx, ctx.text);
  let ev = start;
  const rules: DiscoverResult['rules'] = [];
  const rejected: DiscoverResult['rejected'] = [];
  const texts: string[] = [];
  while (!opts.signal?.aborted) {
    const found = nextRules(withText(ctx, ev.text), ev, opts);
    const passing: { f: (typeof found)[number]; ev: Evaluation; val: number; gain: number }[] = [];
    for (const f of found) {
      const c = checkAddedRule(ctx, ev, f.ruleText);
      if (!c.ok) {
        rejected.push({ ruleText: f.ruleText, reason: `invalid: ${c.errors.join(' ')}` });
        continue;
      }
      const v = verdict(ev, c.ev, { minGain: opts.minGain });
      if (v.ok) passing.push({ f, ev: c.ev, val: holdsUp(ctx, { train: objOf(c.ev.split().train), validation: objOf(c.ev.split().validation) }), gain: v.gain });
      else rejected.push({ ruleText: f.ruleText, reason: v.reason });
    }
    const pick = passing.sort((a, b) => b.val - a.val || b.gain - a.gain)[0];
    if (!pick) break;
    const text = appendRule(ev.text, pick.f.ruleText, pick.f.comment);
    texts.push(text);
    ev = evaluate(ctx, text);
    rules.push({ name: pick.f.name, ruleText: pick.f.ruleText, comment: pick.f.comment, after: ev.split() });
  }
  // How many of the rules to keep: the shortest prefix within one standard error of the best on validation.
  const prefixes = [{ ev: start, k: 0 }, ...rules.map((_, k) => ({ ev: evaluate(ctx, texts[k]), k: k + 1 }))];
  const keep = oneStandardError(ctx, prefixes, (p) => p.ev).item;
  for (const r of rules.splice(keep.k)) rejected.push({ ruleText: r.ruleText, reason: 'dropped: the file without it is within one standard error of the best on validation, and simpler' });
  ev = keep.ev;
  const cleaned = cleanRules(ctx, ev.text, rules.map((r) => r.name));
  for (const d of cleaned.dropped) rejected.push({ ruleText: d.ruleText, reason: d.reason });
  const kept = rules.filter((r) => !cleaned.dropped.some((d) => d.name === r.name));
  const final = evaluate(ctx, cleaned.text);
  return { text: cleaned.text, rules: kept, before: start.split(), after: final.split(), rejected };
}

/** The text with a rule (and its comment lines) appended. */
export function appendRule(text: string, ruleText: string, comment: string): string {
  const sep = text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  const lines = comment ? comment.split('\n').map((l) => `# ${l}`).join('\n') + '\n' : '';
  return `${text}${sep}${lines}${ruleText}\n`;
}

/** A rule as conditions that must all hold (its `and` chain, inside a hold when it has one). */
function conditionSet(text: string, d: A.RuleDecl): { hold: string; conds: Set<string> } | undefined {
  if (!d.expr) return undefined;
  let e = d.expr;
  let holdText = '';
  const u = e.kind === 'paren' ? e.expr : e;
  if (u.kind === 'binary' && u.op === '>=' && u.left.kind === 'call' && u.left.callee.name === 'count' && u.right.kind === 'number' && u.right.value === 1 && u.left.args.length === 2) {
    holdText = sourceOf(text, u.left.args[1].value);
    e = u.left.args[0].value;
  }
  return { hold: holdText, conds: new Set(chain(e, 'and').map((c) => sourceOf(text, c).replace(/^\((.*)\)$/, '$1'))) };
}

/**
 * Rule cleaning: a rule whose conditions include every condition of another rule (so it flags
 * only points the other flags) and whose precision on train is no better is dropped. Only the
 * rules named in `only` may be dropped (default: any).
 */
export function cleanRules(ctx: RefineContext, text: string, only?: string[]): { text: string; dropped: { name: string; ruleText: string; reason: string }[] } {
  const ev = evaluate(ctx, text);
  const rules = ev.parse.file.rules.filter((r) => r.name && ev.program.rules.find((p) => p.decl === r)?.node);
  const figures = new Map(ev.ruleFigures('train').map((f) => [f.name, f]));
  const precision = (name: string) => {
    const p = figures.get(name)?.precision ?? Number.NaN;
    return Number.isNaN(p) ? 0 : p;
  };
  const sets = new Map(rules.map((r) => [r.name!.name, conditionSet(text, r)]));
  const dropped: { name: string; ruleText: string; reason: string }[] = [];
  for (const a of rules) {
    const an = a.name!.name;
    if (only && !only.includes(an)) continue;
    const sa = sets.get(an);
    if (!sa) continue;
    for (const b of rules) {
      const bn = b.name!.name;
      if (a === b || dropped.some((d) => d.name === bn)) continue;
      const sb = sets.get(bn);
      if (!sb || sa.hold !== sb.hold || sb.conds.size > sa.conds.size || ![...sb.conds].every((c) => sa.conds.has(c))) continue;
      if (sb.conds.size === sa.conds.size && an < bn) continue; // identical: keep one
      if (precision(an) <= precision(bn) + 1e-12) {
        dropped.push({ name: an, ruleText: sourceOf(text, a), reason: `cleaned: its conditions include those of \`${bn}\`, and its precision on train (${fmtCut(precision(an))}) is no better (${fmtCut(precision(bn))})` });
        break;
      }
    }
  }
  let out = text;
  for (const d of dropped) out = removeRule(out, d.name);
  return { text: out, dropped };
}

/** The text without a rule declaration and the comment lines just above it. */
export function removeRule(text: string, name: string): string {
  const r = parse(text).file.rules.find((d) => d.name?.name === name);
  if (!r) return text;
  let start = text.lastIndexOf('\n', r.start - 1) + 1;
  while (start > 0) {
    const prev = text.lastIndexOf('\n', start - 2) + 1;
    if (!/^\s*#/.test(text.slice(prev, start - 1))) break;
    start = prev;
  }
  const nl = text.indexOf('\n', r.end);
  const end = nl < 0 ? text.length : nl + 1;
  return text.slice(0, start) + text.slice(end);
}

const explained = '# Flags a point as an anomaly when ';

/**
 * The plain-English comment discovery puts above a rule (`# Flags a point as an anomaly when ...`)
 * written again from the rule as it is now, so that tuning a rule never leaves it stale. Other
 * comments are left alone.
 */
export function refreshExplanations(text: string): string {
  const rules = parse(text).file.rules.filter((r) => r.expr);
  let out = text;
  for (const r of [...rules].sort((a, b) => b.start - a.start)) {
    const lineStart = out.lastIndexOf('\n', r.start - 1) + 1;
    if (lineStart === 0) continue;
    const prevStart = out.lastIndexOf('\n', lineStart - 2) + 1;
    const prev = out.slice(prevStart, lineStart - 1);
    if (!prev.startsWith(explained)) continue;
    const now = `# ${explainDecl(r)}`;
    if (prev !== now) out = out.slice(0, prevStart) + now + out.slice(lineStart - 1);
  }
  return out;
}
