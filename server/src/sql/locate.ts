// What the SQL compiler cannot do, as issues of the rule file: a function a dialect cannot compute
// exactly is reported at its call (file:line:col), a source it cannot read at the dataset block.
import { issue, type Issue } from '../../../grammar/src/issues';
import type { ParseResult } from '../../../grammar/src/parse';
import type { Program } from '../engine/plan';
import { SqlTextError } from './dialect';
import { SqlUnsupported } from './nodes';
import { SqlSourceError } from './source';

export function located<T>(program: Program, parsed: ParseResult, f: () => T): T | { issues: Issue[] } {
  try {
    return f();
  } catch (e) {
    const block = parsed.file.dataset?.keyword ?? { start: 0, end: 0 };
    if (e instanceof SqlUnsupported) {
      // Every call that computes the node (the same call may be written several times); a let's
      // name where it is used maps to the node too, but the call is where to change it.
      const exprs = [...program.nodeOf].filter(([, n]) => n === e.node).map(([expr]) => expr);
      const calls = exprs.filter((x) => x.kind === 'call');
      const places = calls.length ? calls : exprs.length ? exprs : [block];
      return { issues: places.map((p) => issue('sql-unsupported', 'error', e.message, p)) };
    }
    if (e instanceof SqlSourceError || e instanceof SqlTextError) return { issues: [issue('sql-source', 'error', e.message, block)] };
    throw e;
  }
}
