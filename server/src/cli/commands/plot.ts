// `arl plot FILE --series ID --out plot.svg|png`: one series drawn as the preview panel draws it
// (the same Vega-Lite spec), rendered without a browser.
import { extname, relative, resolve } from 'node:path';
import type { ScoreSplit } from '../../engine/metrics';
import { buildPreview, PreviewError } from '../../preview/preview';
import { renderSvg, svgToPng } from '../../preview/render';
import { seriesSpec } from '../../../../webviews/src/spec';
import { darkTheme, lightTheme } from '../../../../webviews/src/theme';
import { checkOutput, writeOutput } from '../../io/safefs';
import { UsageError, write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, readRuleFile } from '../shared';

const splits: ScoreSplit[] = ['train', 'validation', 'test', 'all'];

export const plotCommand: Command = {
  name: 'plot',
  summary: "Draw one series with a rule's outcomes to an SVG or PNG file",
  usage: `Usage: arl plot FILE --series ID --out plot.svg|plot.png [--rule R] [--split S]
                [--width N] [--height N] [--theme light|dark]

Draws the series' values with its labelled anomalies, where the rule (or any rule of the file)
fired and whether that was right, what it missed, and the thresholds it compares with.

Options:
  --series ID   the series to draw
  --out PATH    the image to write: .svg or .png
  --rule R      one rule (default: the whole file)
  --split S     which labelled points are scored: train, validation, test or all (default)
  --width N     plot width in pixels (default 900)
  --height N    plot height in pixels (default 320)
  --theme T     light (default) or dark
${allowOutsideUsage}`,
  options: {
    series: { type: 'string' },
    out: { type: 'string', short: 'o' },
    rule: { type: 'string' },
    split: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    theme: { type: 'string' },
    ...allowOutsideOption,
  },
  async run(positionals, values, io) {
    if (positionals.length > 1) throw new UsageError(`one rule file at a time; also got ${positionals.slice(1).join(' ')}.`);
    const series = values.series as string | undefined;
    const out = values.out as string | undefined;
    if (!series) throw new UsageError('name the series to draw: --series ID.');
    if (!out) throw new UsageError('name the image to write: --out plot.svg or --out plot.png.');
    const format = extname(out).toLowerCase();
    if (format !== '.svg' && format !== '.png') throw new UsageError(`--out must end in .svg or .png, not ${format || 'nothing'}.`);
    const split = (values.split ?? 'all') as ScoreSplit;
    if (!splits.includes(split)) throw new UsageError(`--split takes one of ${splits.join(', ')}.`);
    const width = size(values.width, 900, '--width');
    const height = size(values.height, 320, '--height');
    const theme = values.theme === undefined || values.theme === 'light' ? lightTheme : values.theme === 'dark' ? darkTheme : undefined;
    if (!theme) throw new UsageError('--theme takes light or dark.');

    const file = await readRuleFile(positionals[0], io);
    await checkOutput(resolve(io.cwd, out));
    const analysis = await analyzeFile(file, io, { values, oneShot: true });
    const rule = values.rule as string | undefined;
    let preview;
    try {
      preview = buildPreview(analysis, { rule, split, series, maxPoints: Math.max(500, width * 2) });
    } catch (e) {
      if (!(e instanceof PreviewError)) throw e;
      write(io.stderr, `arl plot: ${e.message}`);
      return 1;
    }
    if (rule && preview.rules.find((r) => r.name === rule)?.broken) {
      write(io.stderr, `arl plot: the rule \`${rule}\` has errors and cannot be evaluated; \`arl check ${relative(io.cwd, file.path)}\` shows them.`);
      return 1;
    }
    const s = preview.series!;
    const c = s.counts;
    const subtitle = `${rule ? `rule ${rule}` : 'all rules'} · split ${split} · TP ${c.tp} · FP ${c.fp} · FN ${c.fn} · TN ${c.tn}`;
    const spec = seriesSpec(s, { timeKind: preview.dataset.timeKind, theme, width, height, title: s.id, subtitle });
    const svg = await renderSvg(spec);
    const path = resolve(io.cwd, out);
    if (format === '.svg') await writeOutput(path, svg);
    else {
      await writeOutput(path, await svgToPng(svg));
    }
    write(io.stderr, `Wrote ${relative(io.cwd, path) || path}: ${s.id}, ${s.shown} of ${s.length} points (${subtitle}).`);
    return 0;
  },
};

function size(v: unknown, fallback: number, flag: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100 || n > 10000) throw new UsageError(`${flag} takes a whole number of pixels between 100 and 10000.`);
  return n;
}
