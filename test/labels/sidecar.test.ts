// The label sidecar: written beside the dataset through the safe file layer, read back over the
// CSV's labels (a person over an LLM over the CSV), reloaded when it changes, and never followed
// through a link.
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { mergedCsv } from '../../server/src/labels/export';
import { appendLabels, formatEntry, parseSidecar, sidecarHeader, sidecarLocation, type LabelEntry } from '../../server/src/labels/sidecar';
import { arl } from '../support/cli';
import { tempDir } from '../support/tmp';

const rules = `dataset "data.csv" { series = id  time = t  label = y }
rule high when x > 5
`;

function project(): { dir: string; arl: string; csv: string } {
  const dir = tempDir();
  mkdirSync(join(dir, '.git'));
  const csv = join(dir, 'data.csv');
  // Two series of 4 points; the CSV labels a@3 = 1, b@3 = 0, the rest blank.
  writeFileSync(csv, 'id,t,x,y\na,0,1,\na,1,2,\na,2,9,\na,3,9,1\nb,0,1,\nb,1,1,\nb,2,8,\nb,3,1,0\n');
  const file = join(dir, 'rules.arl');
  writeFileSync(file, rules);
  return { dir, arl: file, csv };
}

const entry = (series: string, time: string, label: 0 | 1 | null, source: string, reason = ''): LabelEntry => ({ series, time, label, reason, source, votes: '', date: '2026-11-27T00:00:00Z' });

async function load(p: { arl: string }, store = new DatasetStore()) {
  const a = await analyze(readFileSync(p.arl, 'utf8'), p.arl, { store });
  return { a, labels: a.data!.labels!, frame: a.data!.frame };
}

describe('label sidecar', () => {
  it('round-trips entries, quotes formulas, and skips a torn last line', () => {
    const e = entry('=cmd|x', '2026-01-05T00:00:00Z', 1, 'llm:m1+m2', 'a "spike", then =SUM(A1)');
    const p = project();
    const loc = sidecarLocation(p.csv);
    expect(loc.path).toBe(join(p.dir, '.arl', 'labels', 'data.csv'));
    const text = 'series,time,label,reason,source,votes,date\n' + [e].map((x) => `"'=cmd|x",2026-01-05T00:00:00Z,1,"a ""spike"", then =SUM(A1)",llm:m1+m2,,2026-11-27T00:00:00Z`).join('\n') + '\na,3,1,torn';
    const r = parseSidecar(text);
    expect(r.entries).toEqual([e]);
    expect(r.skippedTotal).toBe(1);
    expect(r.skipped[0]).toMatchObject({ line: 3 });
  });

  it('reads back any entries it writes, whatever their text (quotes, commas, formulas, line breaks, other scripts)', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('\r', '=1+2', "'=x", '-3', 'a\r\nb', '"', ',', '@SUM(A1)'));
    const arb = fc.record({
      series: text.filter((s) => s !== ''),
      time: fc.oneof(fc.integer().map(String), fc.date({ noInvalidDate: true, min: new Date(0) }).map((d) => d.toISOString())),
      label: fc.constantFrom(0 as const, 1 as const, null),
      reason: text,
      source: fc.oneof(fc.constant('human'), fc.stringMatching(/^[a-z0-9.-]{1,12}$/).map((m) => `llm:${m}`)),
      votes: text,
      date: fc.constant('2026-11-27T00:00:00Z'),
    });
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 8 }), (entries) => {
        const lines = entries.map(formatEntry);
        // One line per entry: line breaks in the text become spaces; everything else is kept.
        expect(lines.every((l) => !/[\r\n]/.test(l))).toBe(true);
        const flat = (s: string) => s.replace(/[\r\n\u2028\u2029]/g, ' ');
        const r = parseSidecar([sidecarHeader, ...lines].join('\n') + '\n');
        expect(r.skippedTotal).toBe(0);
        expect(r.entries).toEqual(entries.map((e) => ({ ...e, series: flat(e.series), reason: flat(e.reason), votes: flat(e.votes) })));
      }),
      { numRuns: 300 },
    );
  });

  it('merges a person over an LLM over the CSV, and an undo falls back', async () => {
    const p = project();
    await appendLabels(p.csv, [entry('a', '3', 0, 'llm:m'), entry('b', '3', 1, 'llm:m'), entry('a', '2', 1, 'llm:m'), entry('b', '2', 0, 'human')]);
    let { labels, frame } = await load(p);
    const at = (s: string, t: number) => frame.seriesStart[frame.seriesIds.indexOf(s)] + t;
    // The LLM overrides the CSV at a@3 and b@3; a person labels b@2; the LLM adds a@2.
    expect([frame.label![at('a', 3)], frame.label![at('b', 3)], frame.label![at('a', 2)], frame.label![at('b', 2)]]).toEqual([0, 1, 1, 0]);
    expect(labels.overlay.counts).toEqual({ csv: 0, llm: 3, human: 1 });
    // A person over the LLM at a@3; then a person's undo at b@2 (blank) and the LLM's a@2 withdrawn.
    await appendLabels(p.csv, [entry('a', '3', 1, 'human'), entry('b', '2', null, 'human'), entry('a', '2', null, 'llm:m')]);
    ({ labels, frame } = await load(p));
    expect(frame.label![at('a', 3)]).toBe(1);
    expect(Number.isNaN(frame.label![at('b', 2)])).toBe(true);
    expect(Number.isNaN(frame.label![at('a', 2)])).toBe(true);
    expect(labels.overlay.counts).toEqual({ csv: 0, llm: 1, human: 1 });
  });

  it('keeps one header and every row when decisions are saved at the same moment', async () => {
    const p = project();
    await Promise.all([0, 1, 2, 3].flatMap((t) => ['a', 'b'].map((s) => appendLabels(p.csv, [entry(s, String(t), 1, 'human')]))));
    const text = readFileSync(sidecarLocation(p.csv).path, 'utf8');
    expect(text.split('\n').filter((l) => l === sidecarHeader)).toHaveLength(1);
    const r = parseSidecar(text);
    expect(r.skippedTotal).toBe(0);
    expect(r.entries).toHaveLength(8);
  });

  it('reloads the labels when the sidecar changes, without reading the CSV again', async () => {
    const p = project();
    const store = new DatasetStore();
    const first = await load(p, store);
    expect(first.labels.overlay.counts).toEqual({ csv: 2, llm: 0, human: 0 });
    await appendLabels(p.csv, [entry('a', '1', 1, 'human')]);
    const second = await load(p, store);
    expect(second.labels.overlay.counts).toEqual({ csv: 2, llm: 0, human: 1 });
    expect(second.a.timings.load).toBe(0);
    // The scores see the new label: 3 labelled points on all splits.
    expect(second.a.scores('all')!.labelled).toBe(3);
  });

  it('merges over a frame read back from the frame cache, which still notes a damaged column', async () => {
    const p = project();
    await appendLabels(p.csv, [entry('a', '1', 1, 'human'), entry('b', '1', 0, 'llm:m')]);
    const text = readFileSync(p.arl, 'utf8');
    const first = await analyze(text, p.arl, { store: new DatasetStore(), cacheRoot: p.dir });
    const second = await analyze(text, p.arl, { store: new DatasetStore(), cacheRoot: p.dir });
    expect(second.data!.cache).toBe('read');
    expect(second.data!.labels!.overlay.counts).toEqual({ csv: 2, llm: 1, human: 1 });
    expect(second.scores('all')).toEqual(first.scores('all'));
  });

  it('reports unreadable lines and unknown points at the dataset block, and uses the rest', async () => {
    const p = project();
    await appendLabels(p.csv, [entry('a', '1', 1, 'human'), entry('zz', '1', 1, 'human')]);
    appendFileSync(sidecarLocation(p.csv).path, 'a,2,7,x,human,,d\n');
    const { a, labels } = await load(p);
    expect(labels.overlay.counts.human).toBe(1);
    const msgs = a.issues.filter((i) => i.code === 'label-file').map((i) => i.message);
    expect(msgs.join('\n')).toMatch(/data\.csv:4: the label is `7`/);
    expect(msgs.join('\n')).toMatch(/1 label in .* names a point the dataset does not have \(e\.g\. series `zz`/);
  });

  it('refuses a sidecar that is a link, or a labels folder that is one', async () => {
    const p = project();
    const outside = tempDir();
    writeFileSync(join(outside, 'x.csv'), 'series,time,label,reason,source,votes,date\n');
    mkdirSync(join(p.dir, '.arl', 'labels'), { recursive: true });
    symlinkSync(join(outside, 'x.csv'), sidecarLocation(p.csv).path);
    await expect(appendLabels(p.csv, [entry('a', '1', 1, 'human')])).rejects.toThrow(/symbolic link/);
    const { a } = await load(p);
    expect(a.issues.find((i) => i.code === 'label-file')?.message).toMatch(/not used: Refusing to read .*symbolic link/);
    const q = project();
    mkdirSync(join(q.dir, '.arl'));
    symlinkSync(outside, join(q.dir, '.arl', 'labels'));
    await expect(appendLabels(q.csv, [entry('a', '1', 1, 'human')])).rejects.toThrow(/Refusing to use .*labels: it is a symbolic link/);
    expect(readFileSync(join(outside, 'x.csv'), 'utf8')).toBe('series,time,label,reason,source,votes,date\n');
  });

  it('exports the dataset with the merged labels and their source', async () => {
    const p = project();
    await appendLabels(p.csv, [entry('a', '3', 0, 'llm:m'), entry('b', '1', 1, 'human')]);
    const { labels, frame } = await load(p);
    const r = await mergedCsv(p.csv, frame, labels.overlay, { series: 'id', time: 't', label: 'y' });
    expect(r.text.split('\n').slice(0, 9)).toEqual(['id,t,x,y,label_source', 'a,0,1,,', 'a,1,2,,', 'a,2,9,,', 'a,3,9,0,llm', 'b,0,1,,', 'b,1,1,1,human', 'b,2,8,,', 'b,3,1,0,csv']);
    // The CLI writes the same file and counts by source.
    const out = await arl(['labels', 'export', p.arl, '--out', join(p.dir, 'merged.csv')], { cwd: p.dir });
    expect(out.stderr).toMatch(/8 rows, 1 by people · 1 from LLMs · 1 from the CSV/);
    expect(readFileSync(join(p.dir, 'merged.csv'), 'utf8')).toBe(r.text);
    const counts = await arl(['labels', p.arl], { cwd: p.dir });
    expect(counts.stdout).toMatch(/^data\.csv: 1 by people · 1 from LLMs · 1 from the CSV \(labels beside it: \.arl\/labels\/data\.csv\)/);
  });
});
