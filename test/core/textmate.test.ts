// The TextMate grammar, run by a small scanner that follows TextMate's rule (at each position the
// earliest match wins, ties to the first pattern; `begin`/`end` for strings): the scopes a theme
// colours for the constructs of the language.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Pattern {
  match?: string;
  begin?: string;
  end?: string;
  name?: string;
  include?: string;
  captures?: Record<string, { name: string }>;
  patterns?: Pattern[];
}

const grammar = JSON.parse(readFileSync(new URL('../../syntaxes/arl.tmLanguage.json', import.meta.url), 'utf8')) as { patterns: Pattern[]; repository: Record<string, Pattern> };

function flatten(ps: Pattern[]): Pattern[] {
  return ps.flatMap((p) => (p.include ? flatten(p.include.startsWith('#') ? [grammar.repository[p.include.slice(1)]] : []) : p.patterns && !p.match && !p.begin ? flatten(p.patterns) : [p]));
}

/** [text, scope] for every scoped piece of one line. */
function scopes(line: string): [string, string][] {
  const rules = flatten(grammar.patterns);
  const out: [string, string][] = [];
  let pos = 0;
  while (pos < line.length) {
    let best: { at: number; m: RegExpExecArray; rule: Pattern } | undefined;
    for (const rule of rules) {
      const re = new RegExp(rule.match ?? rule.begin!, 'gd');
      re.lastIndex = pos;
      const m = re.exec(line);
      if (m && m[0].length && (!best || m.index < best.at)) best = { at: m.index, m, rule };
    }
    if (!best) break;
    const { m, rule } = best;
    if (rule.begin) {
      const end = new RegExp(rule.end!, 'g');
      end.lastIndex = m.index + m[0].length;
      const e = end.exec(line);
      const stop = e ? e.index + e[0].length : line.length;
      out.push([line.slice(m.index, stop), rule.name!]);
      pos = stop;
      continue;
    }
    if (rule.name) out.push([m[0], rule.name]);
    for (const [k, c] of Object.entries(rule.captures ?? {})) {
      const idx = m.indices![Number(k)];
      if (idx) out.push([line.slice(idx[0], idx[1]), c.name]);
    }
    pos = m.index + m[0].length;
  }
  return out;
}

describe('TextMate grammar', () => {
  it('colours `in`, `not in`, strings and the `all` window', () => {
    const s = scopes('rule r when event not in ["E11", "E28"] and mean(x, all) > 1 and all(columns("m*") > 0.9)');
    expect(s).toContainEqual(['in', 'keyword.operator.in.arl']);
    expect(s).toContainEqual(['not', 'keyword.operator.logical.arl']);
    expect(s).toContainEqual(['"E11"', 'string.quoted.double.arl']);
    expect(s).toContainEqual(['"m*"', 'string.quoted.double.arl']);
    expect(s).toContainEqual(['all', 'constant.language.window.arl']);
    // `all(` is the function, `columns(` too.
    expect(s.filter(([t]) => t === 'all')).toEqual([
      ['all', 'constant.language.window.arl'],
      ['all', 'support.function.arl'],
    ]);
    expect(s).toContainEqual(['columns', 'support.function.arl']);
  });

  it('keeps a column named `in` or `all` a name when it is one', () => {
    expect(scopes('let v = lag(x, k = 2)')).toContainEqual(['k', 'variable.parameter.arl']);
    expect(scopes('rule r when index > 1 and allowed > 2')).toEqual(expect.arrayContaining([['index', 'variable.other.arl'], ['allowed', 'variable.other.arl']]));
  });

  it('colours strings in test blocks', () => {
    expect(scopes('    event = ["E5", _, "E11"]')).toEqual(expect.arrayContaining([['"E5"', 'string.quoted.double.arl'], ['_', 'constant.language.missing.arl']]));
  });
});
