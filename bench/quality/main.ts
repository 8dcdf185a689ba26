// The quality benchmark: NAB, SMD and HDFS converted to ARL's CSV, then on ARL's own split of each,
// ARL's offline draft + learn (run twice: the file's objective set to event F1, then to point F1),
// flag-all, a rolling z-score tuned on train and an Isolation Forest thresholded on validation
// (each tuned once per objective), all scored on the same test rows. Each ARL run is compared with
// the baselines tuned for the same objective, on that objective. Prints one table, writes JSON.
// Run: npm run bench:quality -- [--data DIR] [--quick] [--only smd,nab,hdfs] [--out FILE]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from '../../grammar/src/parse';
import { analyze } from '../../server/src/engine/analyze';
import { conditionsOf } from '../../server/src/refine/proposal';
import type { EventIndex, Objective } from '../../server/src/engine/events';
import type { Frame } from '../../server/src/engine/frame';
import { score, type FileScores, type ScoringIndex } from '../../server/src/engine/metrics';
import { DatasetStore } from '../../server/src/engine/store';
import { contextFromAnalysis, withText } from '../../server/src/refine/context';
import { draftOffline } from '../../server/src/refine/draft';
import { learn, offlineProposer } from '../../server/src/refine/learn';
import { convertHdfs, convertNab, convertSmd, type Converted } from './convert';
import { bestThreshold, flagsAbove, forestScores, rollingZ, sessionF1, withCategoryCounts } from './detectors';

const root = process.cwd();
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(root, '../shared/data') },
    out: { type: 'string', default: join(root, 'bench/quality/results.json') },
    work: { type: 'string', default: join(root, 'out/quality') },
    only: { type: 'string', default: 'smd,nab,hdfs' },
    quick: { type: 'boolean', default: false },
  },
});
const dataDir = resolve(values.data!);
const work = resolve(values.work!);
mkdirSync(work, { recursive: true });
const quick = values.quick!;
const windows = quick ? [10, 60] : [5, 10, 30, 60, 120, 300, 1000];

interface Dataset {
  name: string;
  convert(out: string): Promise<Converted>;
  /** One forest per series (SMD, NAB), or per session over the train sessions (HDFS: a series is a session). */
  forest: 'series' | 'sessions';
  sessions?: boolean;
}

const datasets: Dataset[] = [
  { name: 'smd', convert: (out) => convertSmd(join(dataDir, 'smd'), out), forest: 'series' },
  { name: 'nab', convert: (out) => convertNab(join(dataDir, 'nab'), out), forest: 'series' },
  { name: 'hdfs', convert: (out) => convertHdfs(join(dataDir, 'hdfs'), out), forest: 'sessions', sessions: true },
];

interface MethodResult {
  method: string;
  /** The objective it was tuned or learned for. */
  tunedFor: 'event F1' | 'point F1' | '';
  /** How it was tuned, in words. */
  setting: string;
  seconds: number;
  pointF1: number;
  pointP: number;
  pointR: number;
  eventP: number;
  eventR: number;
  eventF1: number;
  objective: number;
  alarms: number;
  falseAlarmsPer1k: number;
  delay: number;
  pointAdjustedF1: number;
  sessionF1?: number;
  rules?: string;
}

function figures(s: FileScores, sessions?: number): Omit<MethodResult, 'method' | 'setting' | 'seconds' | 'tunedFor'> {
  const f = s.file;
  return {
    pointF1: f.f1,
    pointP: f.precision,
    pointR: f.recall,
    eventP: f.eventPrecision,
    eventR: f.eventRecall,
    eventF1: f.eventF1,
    objective: f.objective,
    alarms: f.alarms,
    falseAlarmsPer1k: f.falseAlarmsPer1k,
    delay: f.delay,
    pointAdjustedF1: f.pointAdjustedF1,
    ...(sessions === undefined ? {} : { sessionF1: sessions }),
  };
}

const objectives: { key: 'event_f1' | 'point_f1'; label: 'event F1' | 'point F1'; objective: Objective }[] = [
  { key: 'event_f1', label: 'event F1', objective: { kind: 'event_f1' } },
  { key: 'point_f1', label: 'point F1', objective: { kind: 'point_f1' } },
];

async function runDataset(d: Dataset): Promise<{ summary: object; results: MethodResult[]; verdicts: string[] }> {
  const dir = join(work, d.name);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const conv = await d.convert(join(dir, `${d.name}.csv`));
  const convertSeconds = (performance.now() - t0) / 1000;
  const store = new DatasetStore();
  const results: MethodResult[] = [];
  const log = (r: MethodResult) => {
    results.push(r);
    console.error(`  ${d.name} ${r.method}: point F1 ${r.pointF1.toFixed(3)}, event F1 ${r.eventF1.toFixed(3)} (${r.seconds.toFixed(1)} s)`);
  };
  let shared: { frame: Frame; index: ScoringIndex; tolerance: number } | undefined;

  // ARL as the product is now, once per objective: offline draft (rule discovery), then offline
  // learn of every rule, which may add and remove rules. Test is read here only to report.
  for (const o of objectives) {
    const arlPath = join(dir, `${d.name}.${o.key}.arl`);
    const baseText = `# ${d.name}: converted by bench/quality; rules drafted and learned offline for ${o.label}.\n${conv.datasetBlock(`${d.name}.csv`, { objective: o.key })}`;
    writeFileSync(arlPath, baseText);
    const base = await analyze(baseText, arlPath, { store });
    if (!base.data) throw new Error(`${d.name}: ${base.dataError?.message ?? 'not loaded'}`);
    const index: ScoringIndex = base.data.scoring(base.shares);
    shared ??= { frame: base.data.frame, index, tolerance: base.check.dataset.tolerance };
    if (o.key === 'event_f1') {
      const test = index.events('test', shared.tolerance);
      console.error(`${d.name}: ${conv.rows} rows, ${conv.series} series, ${conv.anomalies} anomalies; split by ${index.splits.by}; test ${test.points} points, ${test.events.length / 2} events`);
    }
    const t = performance.now();
    const ctx = contextFromAnalysis(base);
    const drafted = draftOffline(ctx, { maxRules: 8 });
    const learned = await learn(withText(ctx, drafted.text), { proposer: offlineProposer(), iterations: quick ? 3 : 10, patience: 3, candidates: 1, discover: true });
    const seconds = (performance.now() - t) / 1000;
    writeFileSync(join(dir, `${d.name}.${o.key}.learned.arl`), learned.text);
    const a = await analyze(learned.text, arlPath, { store });
    const s = a.scores('test')!;
    const flags = new Uint8Array(base.data.frame.length);
    for (const r of a.ruleFlags) if (r.flags) for (let i = 0; i < flags.length; i++) if (r.flags[i] === 1) flags[i] = 1;
    for (const x of a.excludeFlags) if (x.flags) for (let i = 0; i < flags.length; i++) if (x.flags[i] === 1) flags[i] = 0;
    const rules = parse(learned.text).file.rules;
    const conditions = Math.max(0, ...rules.map((r) => conditionsOf(r.expr)));
    log({
      method: `ARL draft+learn (${o.label})`,
      tunedFor: o.label,
      setting: `${rules.length} rules of at most ${conditions} conditions (${drafted.rules.length} drafted; learn: ${learned.iterations} iterations, ${learned.accepted} accepted, ${learned.added.length} added, ${learned.removed.length} removed)`,
      seconds,
      ...figures(s, d.sessions ? sessionF1(flags, index.events('test', shared.tolerance), base.data.frame).f1 : undefined),
      rules: rules.map((r) => learned.text.slice(r.start, r.end).replace(/\s+/g, ' ')).join('\n'),
    });
  }
  const { index, tolerance } = shared!;
  // Detectors read numbers: a text column becomes counts of each value so far (HDFS templates).
  const { frame, columns } = conv.categories?.length ? withCategoryCounts(shared!.frame, conv.categories) : { frame: shared!.frame, columns: conv.features };
  const ev = (split: 'train' | 'validation' | 'test'): EventIndex => index.events(split, tolerance);
  const splitOf = index.splits.of;
  const test = ev('test');
  const onTest = (name: string, flags: Uint8Array) => {
    const s = score(index, 'test', [{ name, flags }], [], { tolerance });
    return figures(s, d.sessions ? sessionF1(flags, test, frame).f1 : undefined);
  };

  {
    const t = performance.now();
    const flags = new Uint8Array(frame.length).fill(1);
    log({ method: 'flag all', tunedFor: '', setting: '', seconds: (performance.now() - t) / 1000, ...onTest('all', flags) });
  }

  // Rolling z-score: the window and threshold with the best objective on train, for each objective.
  {
    const t = performance.now();
    const scores = windows.map((w) => ({ w, s: rollingZ(frame, columns, w) }));
    const shared = (performance.now() - t) / 1000;
    for (const { label, objective: obj } of objectives) {
      const t1 = performance.now();
      let best = { w: 0, threshold: Number.NaN, value: -1, scores: scores[0].s };
      for (const { w, s } of scores) {
        const b = bestThreshold(s, ev('train'), obj);
        if (b.value > best.value) best = { w, threshold: b.threshold, value: b.value, scores: s };
      }
      const flags = flagsAbove(best.scores, best.threshold);
      const setting = `window ${best.w}, ${cut('|z|', best.threshold)} (train ${label} ${best.value.toFixed(3)})`;
      log({ method: `rolling z (${label} on train)`, tunedFor: label, setting, seconds: shared + (performance.now() - t1) / 1000, ...onTest('z', flags) });
    }
  }

  // Isolation Forest (scikit-learn's defaults), thresholded on validation, for each objective.
  {
    const t = performance.now();
    const s = forestScores(frame, columns, splitOf, d.forest);
    const fitSeconds = (performance.now() - t) / 1000;
    for (const { label, objective: obj } of objectives) {
      const t1 = performance.now();
      const b = bestThreshold(s, ev('validation'), obj);
      const flags = flagsAbove(s, b.threshold);
      const how = d.forest === 'series' ? 'per series' : 'on the train sessions';
      const setting = `fitted ${how}; ${cut('score', b.threshold)} (validation ${label} ${b.value.toFixed(3)})`;
      log({ method: `IsolationForest (${label} on validation)`, tunedFor: label, setting, seconds: fitSeconds + (performance.now() - t1) / 1000, ...onTest('forest', flags) });
    }
  }

  // Like with like: each ARL run against the baselines tuned for its objective, on that objective.
  const verdicts: string[] = [];
  const all = results.find((r) => r.method === 'flag all')!;
  for (const { label } of objectives) {
    const key = label === 'event F1' ? 'eventF1' : 'pointF1';
    const arl = results.find((r) => r.method === `ARL draft+learn (${label})`)!;
    const others = results.filter((r) => r.tunedFor === label && !r.method.startsWith('ARL'));
    const beaten = others.filter((r) => arl[key] > r[key]);
    const lost = others.filter((r) => !(arl[key] > r[key]));
    const vsAll = arl[key] > all[key] ? `above flag all (${f3(all[key])})` : `NOT above flag all (${f3(all[key])})`;
    verdicts.push(
      `${d.name} ${label}: ARL ${f3(arl[key])}; ${lost.length ? `does NOT beat ${lost.map((r) => `${r.method} ${f3(r[key])}`).join(', ')}` : 'beats every baseline tuned for it'}${beaten.length && lost.length ? `; beats ${beaten.map((r) => `${r.method} ${f3(r[key])}`).join(', ')}` : ''}; ${vsAll}.`,
    );
  }

  const summary = {
    dataset: d.name,
    rows: conv.rows,
    series: conv.series,
    anomalies: conv.anomalies,
    features: columns.length,
    splitBy: index.splits.by,
    testPoints: test.points,
    testEvents: test.events.length / 2,
    convertSeconds,
    notes: conv.notes,
  };
  return { summary, results, verdicts };
}

/** `score >= 0.671`, or that nothing is flagged. */
const cut = (what: string, t: number) => (Number.isNaN(t) ? 'flags nothing' : `${what} >= ${t.toPrecision(3)}`);

const f3 = (x: number | undefined) => (x === undefined ? '' : Number.isFinite(x) ? x.toFixed(3) : '-');

const all: { summary: object; results: MethodResult[]; verdicts: string[] }[] = [];
const only = values.only!.split(',').map((s) => s.trim());
const started = performance.now();
for (const d of datasets.filter((x) => only.includes(x.name))) {
  try {
    all.push(await runDataset(d));
  } catch (e) {
    console.error(`bench:quality: ${d.name}: ${(e as Error).message}`);
    process.exit(1);
  }
}
const totalSeconds = (performance.now() - started) / 1000;

const head = ['data', 'method', 'point F1', 'event P', 'event R', 'event F1', 'session F1', 'time (s)'];
const rows = all.flatMap(({ summary, results }) =>
  results.map((r) => [(summary as { dataset: string }).dataset, r.method, f3(r.pointF1), f3(r.eventP), f3(r.eventR), f3(r.eventF1), f3(r.sessionF1), r.seconds.toFixed(1)]),
);
const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
const line = (r: string[]) => r.map((v, c) => (c < 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
console.log(`\nTest split of each dataset; total ${totalSeconds.toFixed(0)} s${quick ? ' (--quick)' : ''}.`);
for (const { verdicts } of all) for (const v of verdicts) console.log(v);
for (const { summary } of all) {
  const s = summary as { dataset: string; notes: string[] };
  for (const n of s.notes) console.log(`${s.dataset}: ${n}`);
}
const out = resolve(values.out!);
writeFileSync(
  out,
  JSON.stringify({ data: relative(root, dataDir) || '.', quick, totalSeconds, datasets: all }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n',
);
console.log(`Wrote ${relative(root, out)}.`);
