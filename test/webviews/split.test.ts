// Which split each series and point is in, in the preview data, its tooltip rows and its note.
import { describe, expect, it } from 'vitest';
import { buildPreview } from '../../server/src/preview/preview';
import { splitNames } from '../../server/src/engine/split';
import { splitsNote } from '../../webviews/src/format';
import { seriesRows } from '../../webviews/src/spec';
import { analyzeWith } from '../core/helpers';
import { handCsv } from './fixtures';

const rules = (split: string) => `dataset "data.csv" {\n    series = id\n    time = t\n    label = label\n    split = ${split}\n}\nrule r when x > 5\n`;

describe('splits in the preview', () => {
  it('split = time: every shown point carries its split; the series spans all three', async () => {
    const a = await analyzeWith(handCsv(150), rules('time 60/20/20'));
    const p = buildPreview(a, { split: 'all', series: 'beta', maxPoints: 40 });
    expect(p.dataset.splitBy).toBe('series-time');
    const s = p.series!;
    const of = a.data!.scoring(a.shares).splits.of;
    const start = a.data!.frame.seriesStart[1];
    expect(s.split).toHaveLength(s.shown);
    s.index.forEach((j, k) => expect(s.split[k]).toBe(splitNames[of[start + j]]));
    expect(s.splits.train + s.splits.validation + s.splits.test).toBe(s.length);
    expect(s.splits.validation).toBeGreaterThan(0);
    expect(s.splits.test).toBeGreaterThan(0);
    expect(splitsNote(s)).toBe(`train ${s.splits.train} · validation ${s.splits.validation} · test ${s.splits.test}`);
    expect(seriesRows(s).map((r) => r.split)).toEqual(s.split);
  });

  it('split = column: the column decides; a series in one split is named so', async () => {
    const csv = handCsv(20)
      .split('\n')
      .map((line, i) => (i === 0 ? `${line},fold` : line === '' ? line : `${line},${line.startsWith('gamma') ? 'test' : 'train'}`))
      .join('\n');
    const a = await analyzeWith(csv, rules('column fold'));
    expect(a.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const p = buildPreview(a, { split: 'test', series: 'gamma' });
    expect(p.dataset.splitBy).toBe('column');
    expect(p.series!.splits).toEqual({ train: 0, validation: 0, test: 20 });
    expect(splitsNote(p.series!)).toBe('in test');
    expect(new Set(p.series!.split)).toEqual(new Set(['test']));
    expect(buildPreview(a, { split: 'all', series: 'alpha' }).series!.split.every((x) => x === 'train')).toBe(true);
  });
});
