// The quality benchmark: NAB, SMD and HDFS converted to ARL's CSV, then on ARL's own split of each,
// ARL's offline draft + learn, flag-all, a rolling z-score tuned on train and an Isolation Forest
// thresholded on validation, all scored on the same test rows. Prints one table, writes JSON.
// Run: npm run bench:quality -- [--data DIR] [--quick] [--only smd,nab,hdfs] [--out FILE]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from '../../grammar/src/parse';
import { analyze } from '../../server/src/engine/analyze';
import type { EventIndex, Objective } from '../../server/src/engine/events';
import { score, type FileScores, type ScoringIndex } from '../../server/src/engine/metrics';
import { DatasetStore } from '../../server/src/engine/store';
import { contextFromAnalysis, withText } from '../../server/src/refine/context';
import { draftOffline } from '../../server/src/refine/draft';
import { learn, offlineProposer } from '../../server/src/refine/learn';
import { convertHdfs, convertNab, convertSmd, type Converted } from './convert';
import { bestThreshold, flagsAbove, forestScores, rollingZ, sessionF1 } from './detectors';

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

function figures(s: FileScores, sessions?: number): Omit<MethodResult, 'method' | 'setting' | 'seconds'> {
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

async function runDataset(d: Dataset): Promise<{ summary: object; results: MethodResult[] }> {
  const dir = join(work, d.name);
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const conv = await d.convert(join(dir, `${d.name}.csv`));
  const convertSeconds = (performance.now() - t0) / 1000;
  const arlPath = join(dir, `${d.name}.arl`);
  const baseText = `# ${d.name}: converted by bench/quality; rules drafted and learned offline.\n${conv.datasetBlock(`${d.name}.csv`)}`;
  writeFileSync(arlPath, baseText);
  const store = new DatasetStore();
  const base = await analyze(baseText, arlPath, { store });
  if (!base.data) throw new Error(`${d.name}: ${base.dataError?.message ?? 'not loaded'}`);
  const frame = base.data.frame;
  const index: ScoringIndex = base.data.scoring(base.shares);
  const spec = base.check.dataset;
  const objective: Objective = index.objective(spec.objective).objective;
  const tolerance = spec.tolerance;
  const ev = (split: 'train' | 'validation' | 'test'): EventIndex => index.events(split, tolerance);
  const splitOf = index.splits.of;
  const onTest = (name: string, flags: Uint8Array) => {
    const s = score(index, 'test', [{ name, flags }], [], { objective: spec.objective, tolerance });
    return figures(s, d.sessions ? sessionF1(flags, ev('test'), frame).f1 : undefined);
  };
  const results: MethodResult[] = [];
  const log = (r: MethodResult) => {
    results.push(r);
    console.error(`  ${d.name} ${r.method}: point F1 ${r.pointF1.toFixed(3)}, event F1 ${r.eventF1.toFixed(3)} (${r.seconds.toFixed(1)} s)`);
  };
  const test = ev('test');
  console.error(`${d.name}: ${conv.rows} rows, ${conv.series} series, ${conv.anomalies} anomalies; split by ${index.splits.by}; test ${test.points} points, ${test.events.length / 2} events; objective ${index.objective(spec.objective).label}`);

  // ARL as the product is today: offline draft, then offline learn of every rule.
  {
    const t = performance.now();
    const ctx = contextFromAnalysis(base);
    const drafted = draftOffline(ctx, { maxRules: 4 });
    const learned = await learn(withText(ctx, drafted.text), { proposer: offlineProposer(), iterations: quick ? 3 : 10, patience: 3, candidates: 1, maxGap: 0.1 });
    const seconds = (performance.now() - t) / 1000;
    writeFileSync(join(dir, `${d.name}.learned.arl`), learned.text);
    const a = await analyze(learned.text, arlPath, { store });
    const s = a.scores('test')!;
    const flags = new Uint8Array(frame.length);
    for (const r of a.ruleFlags) if (r.flags) for (let i = 0; i < flags.length; i++) if (r.flags[i] === 1) flags[i] = 1;
    for (const x of a.excludeFlags) if (x.flags) for (let i = 0; i < flags.length; i++) if (x.flags[i] === 1) flags[i] = 0;
    const rules = parse(learned.text).file.rules;
    log({
      method: 'ARL draft+learn',
      setting: `${rules.length} rules (${drafted.rules.length} drafted), ${learned.iterations} iterations, ${learned.accepted} accepted`,
      seconds,
      ...figures(s, d.sessions ? sessionF1(flags, test, frame).f1 : undefined),
      rules: rules.map((r) => learned.text.slice(r.start, r.end).replace(/\s+/g, ' ')).join('\n'),
    });
  }

  {
    const t = performance.now();
    const flags = new Uint8Array(frame.length).fill(1);
    log({ method: 'flag all', setting: '', seconds: (performance.now() - t) / 1000, ...onTest('all', flags) });
  }

  // Each baseline is tuned twice: for the dataset's objective, and for point F1 (as the published
  // figures are). Labels say which.
  const tunings: [string, Objective][] = [
    [index.objective(spec.objective).label, objective],
    ['point F1', { kind: 'point_f1' }],
  ];

  // Rolling z-score: the window and threshold with the best objective on train.
  {
    const t = performance.now();
    const scores = windows.map((w) => ({ w, s: rollingZ(frame, conv.features, w) }));
    const shared = (performance.now() - t) / 1000;
    for (const [label, obj] of tunings) {
      const t1 = performance.now();
      let best = { w: 0, threshold: Number.NaN, value: -1, scores: scores[0].s };
      for (const { w, s } of scores) {
        const b = bestThreshold(s, ev('train'), obj);
        if (b.value > best.value) best = { w, threshold: b.threshold, value: b.value, scores: s };
      }
      const flags = flagsAbove(best.scores, best.threshold);
      const setting = `window ${best.w}, ${cut('|z|', best.threshold)} (train ${label} ${best.value.toFixed(3)})`;
      log({ method: `rolling z (${label} on train)`, setting, seconds: shared + (performance.now() - t1) / 1000, ...onTest('z', flags) });
    }
  }

  // Isolation Forest (scikit-learn's defaults), thresholded on validation.
  {
    const t = performance.now();
    const s = forestScores(frame, conv.features, splitOf, d.forest);
    const fitSeconds = (performance.now() - t) / 1000;
    for (const [label, obj] of tunings) {
      const t1 = performance.now();
      const b = bestThreshold(s, ev('validation'), obj);
      const flags = flagsAbove(s, b.threshold);
      const how = d.forest === 'series' ? 'per series' : 'on the train sessions';
      const setting = `fitted ${how}; ${cut('score', b.threshold)} (validation ${label} ${b.value.toFixed(3)})`;
      log({ method: `IsolationForest (${label} on validation)`, setting, seconds: fitSeconds + (performance.now() - t1) / 1000, ...onTest('forest', flags) });
    }
  }

  const summary = {
    dataset: d.name,
    rows: conv.rows,
    series: conv.series,
    anomalies: conv.anomalies,
    features: conv.features.length,
    splitBy: index.splits.by,
    testPoints: test.points,
    testEvents: test.events.length / 2,
    objective: index.objective(spec.objective).label,
    convertSeconds,
    notes: conv.notes,
  };
  return { summary, results };
}

/** `score >= 0.671`, or that nothing is flagged. */
const cut = (what: string, t: number) => (Number.isNaN(t) ? 'flags nothing' : `${what} >= ${t.toPrecision(3)}`);

const f3 = (x: number | undefined) => (x === undefined ? '' : Number.isFinite(x) ? x.toFixed(3) : '-');

const all: { summary: object; results: MethodResult[] }[] = [];
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
