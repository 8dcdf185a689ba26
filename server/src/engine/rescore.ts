// Another version of a rule file scored on an already loaded dataset: for reports made after the
// fact, such as `arl learn`'s final figures on the test split, once learning is over.
import { check } from '../../../grammar/src/check';
import { parse } from '../../../grammar/src/parse';
import { schemaOf } from './frame';
import type { Bool } from './kernels';
import { score, type FileScores, type NamedFlags, type ScoreSplit } from './metrics';
import { compile } from './plan';
import type { DataSession } from './store';

/** The metrics of `text`'s rules on a split of `data` (split by `shares`, as the file says). */
export function scoreText(data: DataSession, shares: [number, number, number], text: string, split: ScoreSplit): FileScores {
  const checked = check(parse(text), schemaOf(data.frame));
  const program = compile(checked);
  const flags = (d: { name: string; node?: Parameters<DataSession['evaluator']['column']>[0] }): NamedFlags => ({ name: d.name, flags: d.node ? (data.evaluator.column(d.node) as Bool) : undefined });
  return score(data.scoring(shares), split, program.rules.map(flags), program.excludes.map(flags), { objective: checked.dataset.objective, tolerance: checked.dataset.tolerance });
}
