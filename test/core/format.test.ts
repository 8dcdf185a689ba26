// The formatter never changes what a file means: same tokens, same comments, and a second pass
// changes nothing.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { format } from '../../grammar/src/format';
import { parse } from '../../grammar/src/parse';

const example = readFileSync(fileURLToPath(new URL('../../examples/stockout/stockout.arl', import.meta.url)), 'utf8');
const images = (t: string) => parse(t).tokens.map((x) => x.image);
const comments = (t: string) => parse(t).comments.map((x) => x.image.trimEnd());

describe('format', () => {
  it('leaves the example as it is', () => {
    expect(format(example)).toBe(example);
  });

  it('normalises spacing and indentation', () => {
    const messy = 'let  z=mean( x ,4,offset=1)  # w\nrule r "T" severity high when\nz>=-3 and(  x<2 )\n\n\n\ndataset "d.csv" {series=s\ntime = t\n  split=70 / 15/15}\n';
    expect(format(messy)).toBe(
      'let z = mean(x, 4, offset = 1) # w\nrule r "T" severity high when\n    z >= -3 and (x < 2)\n\ndataset "d.csv" { series = s\n    time  = t\n    split = 70/15/15 }\n',
    );
  });

  it('writes objective calls like function calls', () => {
    expect(format('dataset "d.csv" {\nseries = s\nobjective = f_beta( 2 )\ntolerance=3\n}\n')).toBe(
      'dataset "d.csv" {\n    series    = s\n    objective = f_beta(2)\n    tolerance = 3\n}\n',
    );
  });

  it('spaces strings, lists and `in` like the rest', () => {
    expect(format('rule r when event  not   in["E1","E2"]and any( columns( "m*" )>0.9 )or x in[-1,2]\nrule s when before(event=="E11",event=="E28")\n')).toBe(
      'rule r when event not in ["E1", "E2"] and any(columns("m*") > 0.9) or x in [-1, 2]\nrule s when before(event == "E11", event == "E28")\n',
    );
    expect(format('test "t" {\n  event = [ "E1" , _ ,"E2"]\n  expect anomaly\n}\n')).toBe('test "t" {\n    event = ["E1", _, "E2"]\n    expect anomaly\n}\n');
  });

  it('does not touch a file with syntax errors', () => {
    expect(format('rule r when x >= \n')).toBeUndefined();
  });

  it('keeps tokens and comments and is idempotent on whitespace-mangled files', () => {
    const ws = fc.constantFrom(' ', '  ', '\n', '\n\n\n', '\t', '');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), ws), { maxLength: 30 }), (edits) => {
        // Insert or remove white space only between tokens, so the file means the same.
        let t = example;
        for (const [at, w] of edits) {
          const toks = parse(t).tokens;
          if (!toks.length) break;
          const tok = toks[at % toks.length];
          const end = tok.endOffset! + 1;
          const next = t.slice(end).match(/^[ \t]*/)![0].length;
          // Never glue two words or numbers together, never break a comment off its line.
          const after = t[end + next] ?? '';
          const glue = w === '' && /[A-Za-z0-9_."`]/.test(tok.image.slice(-1)) && /[A-Za-z0-9_."`]/.test(after);
          if (glue || after === '#') continue;
          t = t.slice(0, end) + (w === '' ? '' : w) + t.slice(end + next);
        }
        const f = format(t);
        if (f === undefined) return; // a newline inserted inside a construct can make it invalid
        expect(images(f)).toEqual(images(t));
        expect(comments(f)).toEqual(comments(t));
        expect(format(f)).toBe(f);
      }),
      { numRuns: 200 },
    );
  });
});
