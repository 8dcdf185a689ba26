// The chart specs: they compile, render without a browser, draw one mark per outcome point, and
// use the theme's colours.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../server/src/engine/analyze';
import { buildPreview } from '../../server/src/preview/preview';
import { toSvg } from '../../webviews/src/render';
import { rateSpec, seriesRows, seriesSpec, trajectoryRows, trajectorySpec } from '../../webviews/src/spec';
import { darkTheme, lightTheme, type Theme } from '../../webviews/src/theme';
import { handAnalysis, stockout, trajectory } from './fixtures';
import { marks } from './svg';

let example: Analysis;
let hand: Analysis;
beforeAll(async () => {
  example = (await stockout(500)).analysis;
  hand = await handAnalysis();
});

const theme: Theme = { ...lightTheme, red: '#aa0001', green: '#00aa02', orange: '#cc5503', blue: '#0000a4', yellow: '#888805', purple: '#660066' };

describe('seriesSpec', () => {
  it('draws one mark per caught, false and missed point, as the engine counts them', async () => {
    for (const rule of [null, 'high', 'both']) {
      for (const id of ['alpha', 'beta', 'gamma']) {
        const p = buildPreview(hand, { rule, split: 'all', series: id });
        const s = p.series!;
        const svg = await toSvg(seriesSpec(s, { timeKind: p.dataset.timeKind, theme, width: 600, height: 200 }));
        expect(s.counts.tp + s.counts.fp + s.counts.fn).toBeGreaterThan(0);
        expect(marks(svg, 'tp')).toBe(s.counts.tp);
        expect(marks(svg, 'fp')).toBe(s.counts.fp);
        expect(marks(svg, 'fn')).toBe(s.counts.fn);
        expect(marks(svg, 'anomaly')).toBe(s.label.filter((l) => l === 1).length);
        expect(marks(svg, 'run')).toBe(s.runs.length);
        expect(marks(svg, 'hover')).toBe(s.shown - s.columns[0].values.filter((v) => v === null).length);
      }
    }
  });

  it('draws thresholds, the second axis of a let, and passes the theme colours', async () => {
    const p = buildPreview(example, { rule: 'pressure', split: 'all' });
    const s = p.series!;
    const svg = await toSvg(seriesSpec(s, { timeKind: 'date', theme, width: 700, height: 260, title: s.id }));
    expect(marks(svg, 'threshold')).toBe(2);
    expect(marks(svg, 'let_threshold')).toBe(1);
    expect(marks(svg, 'let')).toBe(1);
    expect(svg).toContain('oos_ratio ≥ 35 (pressure)');
    expect(svg).toContain('z ≥ 5 (pressure)');
    expect(svg).toContain(`fill="${theme.orange}"`); // the false alarm
    expect(svg).toContain(`stroke="${theme.blue}"`); // the line
    expect(svg).toContain(`stroke="${theme.purple}"`); // the let
    expect(svg).toContain(`>${s.id}<`);
    expect(svg).not.toContain('var(--');
  });

  it('puts what a tooltip needs in every row', () => {
    const s = buildPreview(example, { rule: 'pressure', split: 'all' }).series!;
    const rows = seriesRows(s);
    expect(rows).toHaveLength(s.shown);
    const last = rows[rows.length - 1];
    expect(last).toMatchObject({ time: s.timeText[52], labelText: 'normal', outcome: 'fp', outcomeText: 'false alarm (FP)', m0: s.columns[0].values[52] });
    expect(String(last.fired)).toContain('pressure');
    expect(last.reason).toBe(s.reason![52]);
  });

  it('reads in a dark theme too', async () => {
    const s = buildPreview(example, { split: 'all' }).series!;
    const svg = await toSvg(seriesSpec(s, { timeKind: 'date', theme: darkTheme, width: 500, height: 200 }));
    expect(svg).toContain(`fill="${darkTheme.background}"`);
    expect(svg).toContain(`fill="${darkTheme.foreground}"`);
  });
});

describe('rateSpec', () => {
  it('draws one bar per time, the peak in another colour', async () => {
    const bars = buildPreview(example, { split: 'all' }).dataset.rate;
    const svg = await toSvg(rateSpec(bars, { width: 500, height: 80, theme }));
    expect(marks(svg, 'rate')).toBe(bars.length);
    expect(svg.split(`fill="${theme.orange}"`).length - 1).toBe(1);
  });
});

describe('trajectorySpec', () => {
  it('draws accepted and rejected attempts differently, one point per score', async () => {
    const t = trajectory(5);
    const rows = trajectoryRows(t);
    // Attempt 3's validation precision and F1 are undefined: not drawn.
    expect(rows).toHaveLength(5 * 6 - 2);
    const svg = await toSvg(trajectorySpec(t, { width: 500, height: 200, theme, selected: 'a2' }));
    const accepted = rows.filter((r) => r.accepted).length;
    expect(marks(svg, 'accepted')).toBe(accepted);
    expect(marks(svg, 'rejected')).toBe(rows.length - accepted);
    expect(marks(svg, 'hit')).toBe(5);
    expect(marks(svg, 'selected')).toBe(1);
    expect(svg).toContain('validation');
  });

  it('draws an empty trajectory', async () => {
    const svg = await toSvg(trajectorySpec({ file: 't.jsonl', attempts: [] }, { width: 300, height: 120, theme }));
    expect(marks(svg, 'accepted')).toBe(0);
  });
});
