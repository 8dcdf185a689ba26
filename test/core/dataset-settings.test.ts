// The dataset block's split and duplicates settings: parsing, checking, formatting, highlighting.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check, type Schema } from '../../grammar/src/check';
import { format } from '../../grammar/src/format';
import { parse } from '../../grammar/src/parse';

const schema: Schema = {
  columns: [
    { name: 'sku', numeric: false, note: 'a text column' },
    { name: 'week', numeric: false },
    { name: 'x', numeric: true },
    { name: 'fold', numeric: false, categories: ['train', 'test', 'validation'] },
  ],
  maxSeriesLength: 10,
};

function checked(settings: string, s?: Schema) {
  const text = `dataset "d.csv" {\n${settings}\n}\nrule r when x > 1\n`;
  const c = check(parse(text), s);
  return { spec: c.dataset, issues: c.issues.map((i) => ({ code: i.code, text: text.slice(i.start, i.end), message: i.message, data: i.data })) };
}

describe('split', () => {
  it('shares alone keep the automatic split', () => {
    const { spec, issues } = checked('    split = 70/20/10');
    expect(issues).toEqual([]);
    expect(spec.splitMethod).toBe('auto');
    expect(spec.split.map((x) => Math.round(x * 100))).toEqual([70, 20, 10]);
  });

  it('time, with or without shares', () => {
    const a = checked('    split = time 70/15/15');
    expect(a.issues).toEqual([]);
    expect(a.spec.splitMethod).toBe('time');
    expect(a.spec.split.map((x) => Math.round(x * 100))).toEqual([70, 15, 15]);
    const b = checked('    split = time');
    expect(b.issues).toEqual([]);
    expect(b.spec).toMatchObject({ splitMethod: 'time', split: [0.6, 0.2, 0.2] });
    // The next setting is not read as the split's argument.
    const c = checked('    split = time\n    series = sku', schema);
    expect(c.issues).toEqual([]);
    expect(c.spec).toMatchObject({ splitMethod: 'time', columns: { series: 'sku' } });
    const bad = checked('    split = time 50/30/30');
    expect(bad.issues).toMatchObject([{ code: 'bad-split', text: '50/30/30' }]);
    expect(bad.spec.splitMethod).toBe('auto');
  });

  it('column NAME, checked against the data', () => {
    const a = checked('    split = column fold\n    series = sku', schema);
    expect(a.issues).toEqual([]);
    expect(a.spec).toMatchObject({ splitMethod: 'column', splitColumn: 'fold', columns: { series: 'sku' } });
    expect(checked('    split = column "fold"', schema).spec.splitColumn).toBe('fold');
    const missing = checked('    split = column folds', schema);
    expect(missing.issues).toMatchObject([{ code: 'missing-column', text: 'folds', data: { replacements: ['fold'] } }]);
    expect(missing.issues[0].message).toContain('did you mean `fold`?');
    const none = checked('    split = column\n    series = sku', schema);
    expect(none.issues).toMatchObject([{ code: 'bad-split', text: 'column' }]);
    expect(none.issues[0].message).toContain('e.g. `split = column fold`');
  });

  it('other words are errors with a suggestion', () => {
    const a = checked('    split = tme 60/20/20');
    expect(a.issues).toMatchObject([{ code: 'bad-split', text: 'tme', data: { replacements: ['time'] } }]);
    expect(a.issues[0].message).toContain('did you mean `time`?');
    expect(checked('    split = "60/20/20"').issues).toMatchObject([{ code: 'bad-split' }]);
    expect(checked('    split = hash').issues).toMatchObject([{ code: 'bad-split', text: 'hash' }]);
  });

  it('a word with an argument is not a column for other settings', () => {
    expect(checked('    series = sku extra', schema).issues).toMatchObject([{ code: 'bad-setting', text: 'sku extra' }]);
  });
});

describe('duplicates', () => {
  it('takes error, first, last, mean or max; error by default', () => {
    expect(checked('').spec.duplicates).toBe('error');
    for (const p of ['error', 'first', 'last', 'mean', 'max']) {
      const c = checked(`    duplicates = ${p}`);
      expect(c.issues).toEqual([]);
      expect(c.spec.duplicates).toBe(p);
    }
  });

  it('anything else is an error with the choices', () => {
    const c = checked('    duplicates = frst');
    expect(c.issues).toMatchObject([{ code: 'bad-duplicates', text: 'frst', data: { replacements: ['first'] } }]);
    expect(c.issues[0].message).toContain('error, first, last, mean, max');
    expect(checked('    duplicates = 3').issues).toMatchObject([{ code: 'bad-duplicates' }]);
    expect(checked('    duplicates = first x').issues).toMatchObject([{ code: 'bad-duplicates' }]);
  });

  it('is a known setting (with a suggestion when misspelt)', () => {
    expect(checked('    duplicate = first').issues).toMatchObject([{ code: 'unknown-key', data: { replacements: ['duplicates'] } }]);
  });
});

describe('editor support', () => {
  it('the formatter aligns the new settings and keeps their words', () => {
    const text = 'dataset "d.csv" {\nseries=sku\nsplit=time 70 / 15/15\nduplicates=mean\n}\n';
    expect(format(text)).toBe('dataset "d.csv" {\n    series     = sku\n    split      = time 70/15/15\n    duplicates = mean\n}\n');
    expect(format('dataset "d.csv" {\n  split = column   fold\n}\n')).toBe('dataset "d.csv" {\n    split = column fold\n}\n');
  });

  it('the TextMate grammar highlights the settings and their words', () => {
    const g = JSON.parse(readFileSync(new URL('../../syntaxes/arl.tmLanguage.json', import.meta.url), 'utf8'));
    const patterns: { match?: string; captures?: Record<string, { name: string }> }[] = g.repository.declaration.patterns;
    const scopes = (line: string) => {
      for (const p of patterns) {
        const m = p.match && new RegExp(p.match).exec(line);
        if (m) return Object.entries(p.captures ?? {}).map(([k, v]) => [m[Number(k)], v.name]);
      }
      return [];
    };
    expect(scopes('    duplicates = mean')).toEqual([
      ['duplicates', 'variable.other.property.arl'],
      ['mean', 'constant.language.duplicates.arl'],
    ]);
    expect(scopes('    split = time 60/20/20')).toEqual([
      ['split', 'variable.other.property.arl'],
      ['time', 'keyword.other.split.arl'],
    ]);
    expect(scopes('    split = column fold')).toEqual([
      ['split', 'variable.other.property.arl'],
      ['column', 'keyword.other.split.arl'],
    ]);
    expect(scopes('    series = sku')).toEqual([['series', 'variable.other.property.arl']]);
  });
});
