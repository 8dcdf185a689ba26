// `arl draft FILE`: starting rules from the labelled data, appended to the file (or to --out).
import { relative, resolve } from 'node:path';
import { draftOffline, draftWithLlm, type DraftResult } from '../../refine/draft';
import { appendOutput, writeOutput } from '../../io/safefs';
import { UsageError, write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, fmt } from '../shared';
import { defaultModel } from '../../refine/models';
import { llmFromEnv, loadForRefine, numberOption } from './learn';

export const draftCommand: Command = {
  name: 'draft',
  summary: 'Draft starting rules from the labelled data',
  usage: `Usage: arl draft FILE [--proposer offline|anthropic] [--rules N] [--out FILE] [--model M]

Discovers rules from the labelled data. Offline: sequential covering over features of every
column (values against the series' own history, ranks, changes; how many columns of a group are
off; categories seen so far), one precise rule at a time on the anomalies not yet caught, each
pruned on validation, cut at round numbers, named and explained in a comment. With anthropic, an
LLM drafts rules from the same statistics and the dataset's reason column. A draft is kept only
when it raises the file's objective on train (less a cost per condition and per rule) by the
minimum gain and does not lower it on validation. Kept drafts are appended to FILE (or FILE plus
the drafts go to --out). Then refine them with arl learn.

Options:
  --proposer P   offline (default) or anthropic (reads ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL)
  --rules N      most rules to draft (default 8)
  --model M      the anthropic model (default ${defaultModel})
  --out FILE     write the file with the drafts there instead of changing FILE
${allowOutsideUsage}`,
  options: { proposer: { type: 'string' }, rules: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' }, ...allowOutsideOption },
  async run(positionals, values, io) {
    const proposer = (values.proposer as string | undefined) ?? 'offline';
    if (proposer !== 'offline' && proposer !== 'anthropic') throw new UsageError('--proposer takes offline or anthropic.');
    const maxRules = numberOption(values, 'rules', 8, (n) => Number.isInteger(n) && n >= 1, 'a whole number of at least 1');
    const llm = proposer === 'anthropic' ? llmFromEnv(io, (values.model as string | undefined) ?? defaultModel, 'draft') : undefined;
    if (typeof llm === 'string') {
      write(io.stderr, `arl draft: ${llm}`);
      return 2;
    }
    const loaded = await loadForRefine(positionals[0], io, 'draft', values);
    if (typeof loaded === 'number') return loaded;
    const { file, ctx } = loaded;
    const r: DraftResult = llm ? await draftWithLlm(ctx, { ...llm, count: maxRules }, { maxRules }) : draftOffline(ctx, { maxRules });
    if (r.error) write(io.stderr, `arl draft: ${r.error.message}`);
    for (const x of r.rejected.slice(0, 5)) write(io.stderr, `arl draft: not kept: ${x.ruleText.replace(/\s+/g, ' ')} (${x.reason})`);
    if (r.rejected.length > 5) write(io.stderr, `arl draft: ${r.rejected.length - 5} more drafts not kept.`);
    const out = values.out ? resolve(io.cwd, values.out as string) : file.path;
    if (r.rules.length) {
      if (out === file.path) await appendOutput(out, r.appended);
      else await writeOutput(out, r.text);
    }
    const lines = [
      ...r.rules.map((d) => d.ruleText),
      '',
      `${ctx.scoring.objective.label} on train ${fmt(r.before.train.objective)} -> ${fmt(r.after.train.objective)}, validation ${fmt(r.before.validation.objective)} -> ${fmt(r.after.validation.objective)}.`,
      r.rules.length ? `Appended ${r.rules.length} rule${r.rules.length === 1 ? '' : 's'} to ${relative(io.cwd, out) || out}.` : 'No draft holds up on train and validation: nothing written.',
      r.tokens ? `${r.tokens.input} input + ${r.tokens.output} output tokens.` : '',
    ];
    write(io.stdout, lines.filter((l, i) => l !== '' || (i > 0 && r.rules.length > 0)).join('\n').trim());
    return r.error && !r.rules.length ? 1 : 0;
  },
};
