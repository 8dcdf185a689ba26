// `arl plot`, spawned: the same series plot as the panel, as SVG and PNG, and clear errors.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, type Analysis } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { buildPreview } from '../../server/src/preview/preview';
import { arl, arlBin } from '../support/cli';
import { exampleDir, type ExampleDir } from '../support/example';
import { marks } from './svg';

let ex: ExampleDir;
let analysis: Analysis;
beforeAll(async () => {
  if (!existsSync(arlBin)) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'inherit' });
  ex = await exampleDir(300);
  analysis = await analyze(readFileSync(ex.arl, 'utf8'), ex.arl, { store: new DatasetStore() });
});

describe('arl plot', () => {
  it('writes an SVG of the series with one mark per outcome', async () => {
    const p = buildPreview(analysis, { rule: 'pressure', split: 'all' });
    const id = p.groups[0].series[0].id;
    const r = await arl(['plot', ex.arl, '--series', id, '--rule', 'pressure', '--out', 'plot.svg'], { cwd: ex.dir });
    expect(r.stderr).toContain(`Wrote plot.svg: ${id}`);
    expect(r.code).toBe(0);
    const svg = readFileSync(join(ex.dir, 'plot.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const s = buildPreview(analysis, { rule: 'pressure', split: 'all', series: id }).series!;
    expect({ tp: marks(svg, 'tp'), fp: marks(svg, 'fp'), fn: marks(svg, 'fn') }).toEqual({ tp: s.counts.tp, fp: s.counts.fp, fn: s.counts.fn });
    expect(svg).toContain('oos_ratio ≥ 35 (pressure)');
    expect(svg).toContain(`>${id}<`);
    // A renderer reads it back at the size asked for (900 x 320 plot, plus axes and legend).
    const size = new Resvg(svg).render();
    expect(size.width).toBeGreaterThan(900);
    expect(size.height).toBeGreaterThan(320);
  });

  it('writes a PNG', async () => {
    const id = buildPreview(analysis, { split: 'all' }).groups[2].series[0].id;
    const r = await arl(['plot', ex.arl, '--series', id, '--out', 'plot.png', '--split', 'train', '--width', '400', '--height', '200', '--theme', 'dark'], { cwd: ex.dir });
    expect(r.code).toBe(0);
    const png = readFileSync(join(ex.dir, 'plot.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    // Drawn at twice the size, for sharp text.
    expect(png.readUInt32BE(16)).toBeGreaterThan(800);
    expect(png.readUInt32BE(20)).toBeGreaterThan(400);
  });

  it('says clearly what is wrong', async () => {
    const unknownSeries = await arl(['plot', ex.arl, '--series', 'SKU0001', '--out', 'x.svg'], { cwd: ex.dir });
    expect(unknownSeries.code).toBe(1);
    expect(unknownSeries.stderr).toMatch(/No series `SKU0001` in the dataset: did you mean `SKU000\d\d`\?/);
    const unknownRule = await arl(['plot', ex.arl, '--series', 'SKU00001', '--rule', 'presure', '--out', 'x.svg'], { cwd: ex.dir });
    expect(unknownRule.code).toBe(1);
    expect(unknownRule.stderr).toContain('No rule `presure` in this file: did you mean `pressure`?');
    writeFileSync(join(ex.dir, 'gone.arl'), readFileSync(ex.arl, 'utf8').replace('"stockout.csv"', '"missing.csv"'));
    const noData = await arl(['plot', 'gone.arl', '--series', 'SKU00001', '--out', 'x.svg'], { cwd: ex.dir });
    expect(noData.code).toBe(1);
    expect(noData.stderr).toMatch(/dataset cannot be read: .*missing\.csv/);
    const noSeries = await arl(['plot', ex.arl, '--out', 'x.svg'], { cwd: ex.dir });
    expect(noSeries.code).toBe(2);
    expect(noSeries.stderr).toContain('--series ID');
    const badOut = await arl(['plot', ex.arl, '--series', 'SKU00001', '--out', 'x.jpg'], { cwd: ex.dir });
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toContain('--out must end in .svg or .png');
    const noFile = await arl(['plot', 'nope.arl', '--series', 'SKU00001', '--out', 'x.svg'], { cwd: ex.dir });
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('cannot read nope.arl');
    expect(existsSync(join(ex.dir, 'x.svg'))).toBe(false);
  });
});
