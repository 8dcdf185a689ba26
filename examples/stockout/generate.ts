// A deterministic, labelled weekly out-of-stock dataset in the spirit of the seed paper's
// evaluation: many products x 53 weeks, only the last week of each product labelled.
//
// Each product's 53-week window ends on one of 13 evaluation weeks, one of which holds a holiday
// (Thanksgiving week) when demand spikes across products. The labeller is an "expert" with fixed
// criteria and some inconsistency near its thresholds, as LLM-assisted labels have.
import { createWriteStream } from 'node:fs';
import { rng } from '../../server/src/engine/random';

export { rng };

export interface StockoutOptions {
  products?: number;
  weeks?: number;
  seed?: number;
}

const DAY = 86400000;
/** Mondays of the 13 evaluation weeks; index 8 (2025-11-24) is Thanksgiving week. */
const firstEval = Date.UTC(2025, 8, 29);
const holidayEval = 8;
const evalWeeks = 13;

type Scenario = 'normal' | 'bump' | 'spike' | 'critical' | 'jump' | 'quiet-rise' | 'quiet-blip' | 'drop' | 'escalation' | 'holiday';

export interface Product {
  sku: string;
  end: number;
  values: number[];
  units: number[];
  label: 0 | 1;
  reason: string;
  scenario: Scenario;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function clamp(v: number): number {
  return Math.max(0, Math.min(100, v));
}

function stats(xs: number[]): { mean: number; std: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1);
  return { mean: m, std: Math.sqrt(v) };
}

/** The expert's criteria, applied to the final week. */
function judge(values: number[]): { anomaly: boolean; reason: string; margin: number } {
  const n = values.length;
  const v = values[n - 1];
  const prev = values[n - 2];
  const hist = values.slice(0, n - 1).slice(-52);
  const { mean, std } = stats(hist);
  const z = std > 0 ? (v - mean) / std : Number.NaN;
  const recent = values.slice(n - 5, n - 1).sort((a, b) => a - b);
  const recentMedian = (recent[1] + recent[2]) / 2;
  if (prev > 0 && v < 0.5 * prev) return { anomaly: false, reason: `sharp drop from ${prev} to ${v}: stock is recovering, not an anomaly`, margin: 1 };
  if (v >= 80) return { anomaly: true, reason: `current week at ${v}% is a critical stock-out`, margin: (v - 80) / 10 };
  if (prev > 0 && v / prev > 10 && v >= 50) return { anomaly: true, reason: `jumped more than tenfold from ${prev} to ${v}`, margin: Math.min(v / prev - 10, v - 50) / 5 };
  if (v >= 35 && z >= 5) return { anomaly: true, reason: `at ${v}% and ${z.toFixed(1)} standard deviations above the past year`, margin: Math.min(v - 35, (z - 5) * 3) / 5 };
  if (recentMedian < 3 && v >= 12) return { anomaly: true, reason: `rose to ${v}% after quiet weeks (recent median ${recentMedian.toFixed(1)})`, margin: Math.min(3 - recentMedian, v - 12) / 3 };
  const rising = values[n - 1] > values[n - 2] && values[n - 2] > values[n - 3] && values[n - 3] > values[n - 4];
  if (rising && v >= 45) return { anomaly: true, reason: `escalating for three weeks to ${v}%`, margin: (v - 45) / 5 };
  const near = Math.min(Math.abs(v - 80) / 10, v >= 30 && Number.isFinite(z) ? Math.abs(z - 5) : 9, recentMedian < 4 ? Math.abs(v - 12) / 3 : 9);
  return { anomaly: false, reason: `in line with recent weeks (${v}%, z ${Number.isFinite(z) ? z.toFixed(1) : 'n/a'})`, margin: near };
}

function pickScenario(r: () => number, holiday: boolean): Scenario {
  const u = r();
  if (holiday && u < 0.3) return 'holiday';
  const table: [Scenario, number][] = [
    ['normal', 0.78],
    ['bump', 0.065],
    ['drop', 0.055],
    ['quiet-blip', 0.035],
    ['spike', 0.02],
    ['quiet-rise', 0.015],
    ['critical', 0.012],
    ['escalation', 0.01],
    ['jump', 0.008],
  ];
  let acc = 0;
  const v = r();
  for (const [s, p] of table) {
    acc += p;
    if (v < acc) return s;
  }
  return 'normal';
}

export function generateProduct(i: number, r: () => number, weeks: number): Product {
  const e = Math.floor(r() * evalWeeks);
  const end = firstEval + e * 7 * DAY;
  // The product's usual level and volatility.
  const kind = r();
  let base: number;
  let zeroProb = 0;
  if (kind < 0.45) base = r() * 8;
  else if (kind < 0.7) base = 8 + r() * 17;
  else if (kind < 0.85) {
    base = 1 + r() * 9;
    zeroProb = 0.6 + r() * 0.3;
  } else base = 25 + r() * 30;
  const sd = 0.6 + 0.22 * base * (0.5 + r());
  const gauss = () => {
    const u = Math.max(1e-12, r());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
  const values: number[] = [];
  for (let t = 0; t < weeks; t++) {
    let v = zeroProb && r() < zeroProb ? 0 : clamp(base + sd * gauss());
    const date = end - (weeks - 1 - t) * 7 * DAY;
    // Last year's holiday week left a trace in some histories.
    if (t < weeks - 1 && Math.abs(date - (firstEval + holidayEval * 7 * DAY)) < DAY && r() < 0.5) v = clamp(v + 10 + r() * 30);
    values.push(round1(v));
  }
  const n = weeks;
  const scenario = pickScenario(r, e === holidayEval);
  const set = (v: number) => (values[n - 1] = round1(clamp(v)));
  switch (scenario) {
    case 'bump':
      set(base + sd * (2 + r() * 2.5));
      break;
    case 'spike':
    case 'holiday':
      set(Math.max(30 + r() * 20, base + sd * (4 + r() * 5)) + (scenario === 'holiday' ? r() * 25 : 0));
      break;
    case 'critical':
      set(80 + r() * 20);
      break;
    case 'jump': {
      const prev = 2 + r() * 4;
      values[n - 2] = round1(prev);
      set(prev * (10.5 + r() * 4) > 50 ? Math.min(79, prev * (10.5 + r() * 4)) : 50 + r() * 20);
      break;
    }
    case 'quiet-rise':
    case 'quiet-blip': {
      const quiet = 4 + Math.floor(r() * 5);
      for (let t = n - 1 - quiet; t < n - 1; t++) values[t] = round1(r() < 0.7 ? 0 : r() * 2);
      set(scenario === 'quiet-rise' ? 12 + r() * 25 : 2 + r() * 10);
      break;
    }
    case 'drop': {
      // Half of the drops follow a one-week spike in a quiet stretch.
      if (r() < 0.5) for (let t = n - 6; t < n - 2; t++) values[t] = round1(r() < 0.7 ? 0 : r() * 2);
      const high = 60 + r() * 40;
      values[n - 2] = round1(high);
      set(high * (0.2 + r() * 0.29));
      break;
    }
    case 'escalation': {
      const top = 45 + r() * 30;
      for (let k = 3; k >= 0; k--) values[n - 1 - k] = round1(top - k * (5 + r() * 6));
      break;
    }
  }
  const j = judge(values);
  // The labeller is inconsistent near its own thresholds.
  let anomaly = j.anomaly;
  if (j.margin < 0.5 && r() < 0.4 * (1 - j.margin / 0.5)) anomaly = !anomaly;
  else if (r() < 0.01) anomaly = !anomaly;
  // Units sold fall when the shelf is empty.
  const demand = 20 + r() * 200;
  const units = values.map((v) => Math.max(0, Math.round(demand * (1 - v / 100) * (0.85 + 0.3 * r()))));
  return {
    sku: `SKU${String(i + 1).padStart(5, '0')}`,
    end,
    values,
    units,
    label: anomaly ? 1 : 0,
    reason: anomaly === j.anomaly ? j.reason : `borderline: ${j.reason}`,
    scenario,
  };
}

export function* stockoutProducts(opts: StockoutOptions = {}): Generator<Product> {
  const products = opts.products ?? 10000;
  const weeks = opts.weeks ?? 53;
  const r = rng(opts.seed ?? 20251124);
  for (let i = 0; i < products; i++) yield generateProduct(i, r, weeks);
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV text of one product: 53 rows, the last labelled. */
export function productRows(p: Product): string {
  const n = p.values.length;
  let out = '';
  for (let t = 0; t < n; t++) {
    const date = new Date(p.end - (n - 1 - t) * 7 * DAY).toISOString().slice(0, 10);
    const last = t === n - 1;
    out += `${p.sku},${date},${p.values[t]},${p.units[t]},${last ? p.label : ''},${last ? csvField(p.reason) : ''}\n`;
  }
  return out;
}

export const stockoutHeader = 'sku,week,oos_ratio,units,is_anomaly,reason\n';

export async function writeStockoutCsv(path: string, opts: StockoutOptions = {}, stream?: NodeJS.WritableStream): Promise<{ rows: number; anomalies: number }> {
  const out: NodeJS.WritableStream = stream ?? createWriteStream(path);
  let rows = 0;
  let anomalies = 0;
  let buf = stockoutHeader;
  for (const p of stockoutProducts(opts)) {
    buf += productRows(p);
    rows += p.values.length;
    anomalies += p.label;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { rows, anomalies };
}
