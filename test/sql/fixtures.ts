// Data and rules that exercise every function the SQL backend compiles, for comparing engines.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface FixtureOptions {
  series: number;
  points: number;
  seed: number;
  /** ISO dates (weekly) instead of numbers as times. */
  dates?: boolean;
  /** Write each series' rows in shuffled time order. */
  shuffle?: boolean;
  /** Repeat some rows (same series and time, other values). */
  repeats?: boolean;
}

/**
 * A long-format CSV: id, t, x (small integers, halves, NA and blanks), y, z (mostly zeros), ev
 * (a category with blanks), label (1, 0, blank) and fold (train / validation / test / blank).
 */
export function writeFixture(dir: string, name: string, o: FixtureOptions): string {
  const r = rng(o.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const lines = ['id,t,x,y,z,ev,label,fold'];
  for (let s = 0; s < o.series; s++) {
    const rows: string[] = [];
    const id = `s${String(s).padStart(2, '0')}`;
    for (let p = 0; p < o.points; p++) {
      const t = o.dates ? new Date(Date.UTC(2024, 0, 1 + 7 * p)).toISOString().slice(0, 10) : String(10 + 3 * p);
      const u = r();
      const x = u < 0.08 ? 'NA' : u < 0.12 ? '' : String(Math.floor(r() * 13) - 3 + (r() < 0.2 ? 0.5 : 0));
      const y = r() < 0.1 ? '' : String(Math.floor(r() * 6));
      const z = r() < 0.6 ? '0' : r() < 0.1 ? ' ' : String(Math.floor(r() * 4));
      const ev = r() < 0.12 ? '' : pick(['E1', 'E2', 'E3', 'E4', ' E2 ']);
      const label = r() < 0.5 ? '' : r() < 0.3 ? '1' : '0';
      const fold = r() < 0.3 ? '' : pick(['train', 'Validation', 'TEST', 'train']);
      rows.push([id, t, x, y, z, ev, label, fold].join(','));
      if (o.repeats && r() < 0.05) rows.push([id, t, String(Math.floor(r() * 9)), y, z, pick(['E1', 'E3']), '1', fold].join(','));
    }
    if (o.shuffle) rows.sort(() => r() - 0.5);
    lines.push(...rows);
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Numbers: each one becomes `N > c`, `not (N > c)` and `is_missing(N)`. */
export const numberExprs: [string, number][] = [
  ['x', 3.37],
  ['lag(x, 2)', 3.37],
  ['diff(x)', 1.37],
  ['pct_change(x, 1)', 0.37],
  ['-x + y * 2 - x / y', 1.37],
  ['mean(x, 4)', 3.37],
  ['mean(x, 4, offset = 1)', 3.37],
  ['mean(x, all)', 3.37],
  ['mean(x, 5, min_count = 2)', 3.37],
  ['median(x, 4, offset = 1)', 3.37],
  ['median(x, 5)', 3.37],
  ['median(x, 10)', 3.37],
  ['median(x, all)', 3.37],
  ['quantile(x, 6, 0.3)', 2.37],
  ['quantile(x, all, 0.75, offset = 1)', 4.37],
  ['min(x, 3)', 1.37],
  ['max(x, all, offset = 2)', 8.37],
  ['sum(x, 3, min_count = 1)', 6.37],
  ['std(x, 5)', 3.37],
  ['std(x, all)', 3.37],
  ['count(x, 4)', 2.37],
  ['count(x > 2, 5)', 2.37],
  ['count(ev == "E1", all)', 1.37],
  ['count(x > 2, all, offset = 1)', 3.37],
  ['count(x > 3, 6, min_count = 3)', 1.37],
  ['count(ev, 3)', 1.37],
  ['slope(x, 5)', 0.37],
  ['slope(x, all, min_count = 3)', 0.037],
  ['zero_rate(z, 4)', 0.37],
  ['zero_rate(z, all)', 0.57],
  ['ewma(x, 3)', 3.37],
  ['ewma(x, 4, offset = 1)', 3.37],
  ['zscore(x, 6)', 0.37],
  ['zscore(x, all)', 0.37],
  ['zscore(x, 5, offset = 1, min_count = 3)', 0.37],
  ['zscore(z, 4)', 1.37],
  ['robust_z(x, 6)', 0.37],
  ['robust_z(z, 5)', 1.37],
  ['robust_z(x, 8, min_count = 3)', 0.37],
  ['rank(x, 5)', 0.37],
  ['rank(x, all, offset = 1)', 0.57],
  ['abs(x - 4)', 2.37],
  ['log1p(x)', 1.37],
  ['sqrt(x)', 1.37],
  ['log(x)', 1.37],
  ['least(x, y)', 1.37],
  ['greatest(x, lag(y, 1))', 4.37],
  ['coalesce(x, 0)', 2.37],
  ['since(ev == "E2")', 2.37],
  ['first(x)', 2.37],
  ['last(x)', 2.37],
  ['max_of([x, y, z])', 4.37],
  ['min_of([x, y, z])', 0.37],
  ['mean_of([x, y, z])', 2.37],
  ['sum_of([x, y, z])', 5.37],
  ['count_true([x > 2, y > 1, z > 0])', 1.37],
];

/** Conditions: each becomes `C` and `not (C)`. */
export const conditions: string[] = [
  'rising(x, 2)',
  'falling(x)',
  'rising(y, 17)',
  'persist(x > 1, 3)',
  'ever(ev == "E3")',
  'before(ev == "E1", ev == "E2")',
  'any([x > 5, y > 3])',
  'all([x > 0, y > 0])',
  'is_missing(x)',
  'is_missing(lag(ev, 1))',
  'ev in ["E1", "E2"]',
  'ev != lag(ev, 1)',
  'first(ev) == "E1"',
  'last(ev) == "E4"',
  'x in [1, 2, 3]',
  'ev not in ["E1", "E4"]',
  'x not in [0, 2]',
  'x > 2 and y < 3 or not (z == 0)',
  'true',
];

/** A rule file naming `csv`, with one rule per condition above and two excludes. */
export function fixtureRules(csv: string, dataset: string, skip: (e: string) => boolean = () => false): string {
  const out = [`dataset "${csv}" { ${dataset} }`, ''];
  let k = 0;
  for (const [e, c] of numberExprs) {
    if (skip(e)) continue;
    out.push(`rule n${k}a when ${e} > ${c}`, `rule n${k}b when not (${e} > ${c})`, `rule n${k}m "Missing ${k}" severity low when is_missing(${e})`);
    k++;
  }
  k = 0;
  for (const e of conditions) {
    if (skip(e)) continue;
    out.push(`rule c${k}a severity critical when ${e}`, `rule c${k}b "Not ${k}" severity medium when not (${e})`);
    k++;
  }
  out.push('exclude quiet when x == 7 and y == 0', 'exclude missing when is_missing(y) and z > 2');
  return out.join('\n') + '\n';
}
