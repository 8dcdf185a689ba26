// `arl categorize FILE`: titles, one-line descriptions and groups for the rules, from an LLM reading
// the rules and how they fire (--proposer anthropic) or offline from their conditions. Printed as a
// diff; written only with --apply. Detection logic never changes.
import { relative } from 'node:path';
import { replaceFile } from '../../io/safefs';
import { readContext } from '../../labels/run';
import { applyCategories, offlineCategories, type CategoryProposal } from '../../refine/categories';
import { askCategories } from '../../refine/categorize';
import { defaultModel } from '../../refine/models';
import { lineDiff } from '../../../../webviews/src/diff';
import { UsageError, write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, printIssues, readAccess, readRuleFile } from '../shared';
import { llmFromEnv } from './learn';

export const categorizeCommand: Command = {
  name: 'categorize',
  summary: 'Propose a title, a description and a group for every rule (offline or with an LLM)',
  usage: `Usage: arl categorize FILE [--proposer offline|anthropic] [--model M] [--apply]

Reads the rules and how they fire on the dataset and proposes, for each rule, a title, a one-line
description (written as a \`# category:\` comment above the rule) and a group (\`category "..."\`).
Prints the change as a diff; --apply writes it. Only rule headers and those comments change: the
file is refused if a condition, a let or an exclude would.

Options:
  --proposer P   offline (default: names from the conditions) or anthropic (reads ANTHROPIC_API_KEY)
  --model M      the model for --proposer anthropic (default ${defaultModel})
  --apply        write the change to FILE
${allowOutsideUsage}`,
  options: { proposer: { type: 'string' }, model: { type: 'string' }, apply: { type: 'boolean' }, ...allowOutsideOption },
  async run(positionals, values, io) {
    if (positionals.length > 1) throw new UsageError(`one rule file at a time; also got ${positionals.slice(1).join(' ')}.`);
    const proposer = (values.proposer as string | undefined) ?? 'offline';
    if (proposer !== 'offline' && proposer !== 'anthropic') throw new UsageError('--proposer takes offline or anthropic.');
    const file = await readRuleFile(positionals[0], io);
    const a = await analyzeFile(file, io, { values });
    if (printIssues(file, a.issues.filter((i) => i.severity === 'error'), io)) {
      write(io.stderr, 'arl categorize: fix the errors above first.');
      return 1;
    }
    let proposals: CategoryProposal[];
    if (proposer === 'offline') proposals = offlineCategories(a);
    else {
      if (!io.env.ANTHROPIC_API_KEY) {
        write(io.stderr, 'arl categorize: no API key: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL to use another endpoint), or use --proposer offline.');
        return 1;
      }
      const llm = llmFromEnv(io, (values.model as string | undefined) ?? defaultModel, 'categorize');
      if (typeof llm === 'string') throw new Error(llm);
      const context = a.data ? await readContext(a, await readAccess(file, values, io)) : { text: '' };
      const r = await askCategories(a, 'text' in context ? context.text : '', llm);
      if (r.error) {
        write(io.stderr, `arl categorize: ${r.error.message}`);
        return 1;
      }
      for (const p of r.problems) write(io.stderr, `arl categorize: ignored from the model's answer: ${p}.`);
      write(io.stderr, `arl categorize: ${r.proposals.length} rule${r.proposals.length === 1 ? '' : 's'} named; ${r.tokens.input} input and ${r.tokens.output} output tokens.`);
      proposals = r.proposals;
    }
    let after: string;
    try {
      after = applyCategories(file.text, proposals);
    } catch (e) {
      write(io.stderr, `arl categorize: ${(e as Error).message}`);
      return 1;
    }
    const diff = lineDiff(file.text, after).filter((l) => l.kind !== 'same');
    if (!diff.length) {
      write(io.stderr, 'arl categorize: the rules already have these names.');
      return 0;
    }
    write(io.stdout, diff.map((l) => `${l.kind === 'add' ? '+' : '-'} ${l.text}`).join('\n'));
    if (values.apply) {
      await replaceFile(file.path, after);
      write(io.stderr, `Wrote ${relative(io.cwd, file.path) || file.path}.`);
    } else write(io.stderr, 'arl categorize: nothing written; --apply writes the change.');
    return 0;
  },
};
