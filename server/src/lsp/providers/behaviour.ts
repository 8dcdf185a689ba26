// Each rule's behaviour (over-aggressive, over-conservative, dead, redundant, overfit) as an
// information diagnostic on its name; balanced and narrow rules (precise, leaving anomalies to the
// other rules) get none: nothing to fix.
import { issue, type Issue } from '../../../../grammar/src/issues';
import type { Analysis } from '../../engine/analyze';
import type { RefineService } from '../refine';

export function behaviourIssues(a: Analysis, refine: RefineService, only?: string): Issue[] {
  const out: Issue[] = [];
  for (const r of a.program.rules) {
    if (only !== undefined && r.name !== only) continue;
    const b = refine.behaviour(a, r.name);
    if (!b || b.kind === 'balanced' || b.kind === 'narrow') continue;
    const at = r.decl.name ?? r.decl.keyword;
    out.push(issue('behaviour', 'info', `${r.name} is ${b.summary}`, at, { rule: r.name, kind: b.kind, kinds: b.kinds }));
  }
  return out;
}
