// The prompts sent to an LLM, built from the data (train only), the rule, its behavioural analysis
// and the earlier attempts. Exported whole so an editor can show exactly what would be sent.
import { basename } from 'node:path';
import { functions, signatureLabel } from '../../../grammar/src/functions';
import { analyzeRule, behaviourMarkdown, type RuleBehaviour } from './behaviour';
import { evaluate, type Evaluation, type RefineContext } from './context';
import { sourceOf } from './edit';
import { derivedFeatures, fileFeatures } from './features';
import { f2 } from './proposal';
import { featureStats, statsTable } from './stats';
import type { Attempt } from './trajectory';

/** The tool the model answers with: new rule texts and why. */
export const proposeRulesTool = {
  name: 'propose_rules',
  description: 'Answer with new ARL rule declarations. Each is read, checked and scored on the data; nothing else is run.',
  input_schema: {
    type: 'object' as const,
    properties: {
      rationale: { type: 'string', description: 'What the rules change and why, in two or three sentences.' },
      rules: {
        type: 'array',
        items: { type: 'string' },
        description: 'Complete ARL `rule` declarations, one per item: `rule name "Title" when condition`.',
      },
    },
    required: ['rationale', 'rules'],
  },
};

export interface LlmPrompt {
  system: string;
  /** The first user message. */
  user: string;
  tool: typeof proposeRulesTool;
}

/** ARL in brief, with the function catalog. */
export function languageSummary(): string {
  const fns = functions.map((f) => `- \`${signatureLabel(f)}\`: ${f.summary}`).join('\n');
  return `# ARL, the Anomaly Rule Language

A file holds a \`dataset\` block, \`let\` definitions, \`rule\`s, \`exclude\`s and \`test\`s. Every series (one product, one sensor) is a sequence of points in time; a rule is a condition evaluated at each point, using that point and the points before it (never later ones).

\`\`\`arl
let z = zscore(oos_ratio, 52)                       # a named expression
rule pressure "Moderate Stock Pressure" severity medium when
    (oos_ratio >= 35 and z >= 5) or (median(oos_ratio, 4, offset = 1) < 3 and oos_ratio >= 12)
exclude drop when oos_ratio < 0.5 * lag(oos_ratio, 1)   # never an anomaly
\`\`\`

- A point is flagged when any rule holds there and no exclude does.
- Names are the dataset's numeric and category (text) columns and the lets. Numbers, \`true\`, \`false\`. Category columns compare with strings: \`event == "E11"\`, \`event in ["E11", "E28"]\`, \`lag(event, 1) != "E5"\`.
- Column groups: \`columns("m*")\` (a name pattern) or \`[a, b, c]\`. Operators and functions apply to each member; \`any\`, \`all\`, \`count_true\`, \`max_of\`, \`min_of\`, \`mean_of\`, \`sum_of\` combine them into one value: \`count_true(robust_z(columns("m*"), 60) > 6) >= 3\`.
- A window may be \`all\`: every point of the series so far (a whole session at its last point): \`count(event == "E5", all) > 3\`, \`before(event == "E11", event == "E28")\`.
- Operators, loosest first: \`or\`; \`and\`; \`not\`; \`< <= > >= == !=\` (comparisons do not chain); \`+ -\`; \`* /\`; unary \`-\`. Parentheses group.
- Missing values (blank cells, windows not yet full, division by zero) make a comparison unknown; an unknown condition never fires, \`false and unknown\` is false, \`true or unknown\` is true.
- Window lengths, lags and offsets are whole numbers written in the rule. Optional arguments are named: \`median(x, 4, offset = 1)\`.
- Severity is one of low, medium, high, critical (default high).

Functions:
${fns}`;
}

const answerRules = `Answer by calling the \`propose_rules\` tool. Each item of \`rules\` is one complete \`rule\` declaration in ARL and nothing else: no \`let\`, no \`dataset\`, no comments, no Markdown fences. Use only the columns and lets listed, and the functions above. Your text is parsed and checked like a person's edit and scored on the labelled data; an invalid rule is sent back with the checker's messages.`;

export interface RefinePromptOptions {
  /** Earlier attempts on this rule (from the trajectory), oldest first. */
  history?: Attempt[];
  /** The rule's analysis, when already made. */
  behaviour?: RuleBehaviour;
  /** How many versions to ask for (default 3). */
  count?: number;
  ev?: Evaluation;
}

function attemptLine(a: Attempt): string {
  const f = (x: number | null) => (x === null ? '-' : f2(x));
  const figures = `train F1 ${f(a.train.before.f1)} -> ${f(a.train.after.f1)}, validation ${f(a.validation.before.f1)} -> ${f(a.validation.after.f1)}`;
  const text = a.after.replace(/\s+/g, ' ').trim();
  return `- ${a.accepted ? 'accepted' : 'rejected'} (${a.reason}; ${figures}; by ${a.proposer}): \`${text}\``;
}

function datasetLines(ev: Evaluation): string[] {
  const ctx = ev.ctx;
  const f = ctx.data.frame;
  const idx = ev.index('train');
  return [
    `Dataset \`${basename(f.source)}\`: ${f.seriesIds.length} series, ${f.length} points. Train split: ${idx.labelled.length} labelled points, ${idx.anomalies} anomalies.`,
    ctx.roles.series || ctx.roles.time ? `One series per \`${ctx.roles.series ?? '-'}\`, ordered by \`${ctx.roles.time ?? 'row'}\`; the label column cannot be used in rules.` : '',
    ...f.columnInfo
      .filter((c) => c.categories)
      .map((c) => `Category column \`${c.name}\`: ${c.categories!.length} values, most frequent first: ${c.categories!.slice(0, 12).map((v) => JSON.stringify(v)).join(', ')}${c.categories!.length > 12 ? ', ...' : ''}.`),
  ].filter(Boolean);
}

/** The prompt asking for better versions of one rule. */
export function buildRefinePrompt(ctx: RefineContext, rule: string, opts: RefinePromptOptions = {}): LlmPrompt {
  const ev = opts.ev ?? evaluate(ctx, ctx.text);
  const b = opts.behaviour ?? analyzeRule(ctx, rule, { ev });
  const decl = ev.rule(rule)!;
  const count = opts.count ?? 3;
  const history = (opts.history ?? []).filter((a) => a.rule === rule).slice(-12);
  const stats = featureStats(ev, fileFeatures(ev));
  const user = [
    `# Improve the rule \`${rule}\``,
    '',
    ...datasetLines(ev),
    '',
    '## Features at labelled train points',
    '',
    statsTable(stats),
    '',
    '## The rule file',
    '',
    '```arl',
    ev.text.trim(),
    '```',
    '',
    `## The rule \`${rule}\``,
    '',
    '```arl',
    sourceOf(ev.text, decl),
    '```',
    '',
    '## Its behaviour (train, in the context of the other rules and excludes)',
    '',
    behaviourMarkdown(b),
    '',
    '## Earlier attempts on this rule',
    '',
    ...(history.length ? history.map(attemptLine) : ['None yet.']),
    '',
    '## Task',
    '',
    `Propose ${count} different new versions of \`${rule}\` that raise the F1 of the whole file on train without widening the gap to validation. Address the behaviour above (e.g. raise thresholds or add a condition for an over-aggressive rule, lower them or drop a condition for an over-conservative one). Do not repeat an earlier attempt. Keep the name \`${rule}\`, its title and severity.`,
  ].join('\n');
  return { system: `You improve anomaly-detection rules written in ARL.\n\n${languageSummary()}\n\n${answerRules}`, user, tool: proposeRulesTool };
}

export interface DraftPromptOptions {
  /** How many rules to ask for (default 4). */
  count?: number;
  ev?: Evaluation;
}

/** Labeller reasons from train: distinct, anomalies first. */
function reasons(ev: Evaluation, max: number): { anomaly: string[]; normal: string[] } {
  const col = ev.ctx.roles.reason;
  const texts = col ? ev.ctx.data.frame.text.get(col) : undefined;
  const out = { anomaly: [] as string[], normal: [] as string[] };
  if (!texts) return out;
  const idx = ev.index('train');
  const seen = new Set<string>();
  for (let k = 0; k < idx.labelled.length; k++) {
    const t = texts[idx.labelled[k]]?.trim();
    if (!t || seen.has(t)) continue;
    seen.add(t);
    const list = idx.isAnomaly[k] ? out.anomaly : out.normal;
    if (list.length < (idx.isAnomaly[k] ? max : Math.ceil(max / 2))) list.push(t);
  }
  return out;
}

/** The prompt asking for starting rules from the labelled data (statistics and the labellers' reasons). */
export function buildDraftPrompt(ctx: RefineContext, opts: DraftPromptOptions = {}): LlmPrompt {
  const ev = opts.ev ?? evaluate(ctx, ctx.text);
  const count = opts.count ?? 4;
  const stats = featureStats(ev, derivedFeatures(ev));
  const why = reasons(ev, 30);
  const names = ev.parse.file.rules.flatMap((r) => (r.name ? [r.name.name] : []));
  const user = [
    '# Draft anomaly rules from labelled data',
    '',
    ...datasetLines(ev),
    '',
    '## Features at labelled train points (anomalies vs normal points)',
    '',
    statsTable(stats),
    '',
    ...(why.anomaly.length
      ? ['## Why the labellers called points anomalies', '', ...why.anomaly.map((r) => `- ${r}`), '', '## Why they called points normal', '', ...why.normal.map((r) => `- ${r}`), '']
      : []),
    '## The rule file so far',
    '',
    '```arl',
    ev.text.trim(),
    '```',
    '',
    '## Task',
    '',
    `Propose up to ${count} new rules that together catch the anomalies the file misses while flagging few normal points. Extract the patterns from the reasons (current vs recent weeks, sudden jumps, rises after quiet periods, trends) and set thresholds from the statistics. Give each rule a new name${names.length ? ` (not ${names.map((n) => `\`${n}\``).join(', ')})` : ''} and a short title.`,
  ].join('\n');
  return { system: `You write anomaly-detection rules in ARL from labelled data.\n\n${languageSummary()}\n\n${answerRules}`, user, tool: proposeRulesTool };
}

/** The prompt as one text, as a "Show LLM Prompt" command displays it. */
export function promptText(p: LlmPrompt): string {
  return [`<system>\n${p.system}\n</system>`, `<user>\n${p.user}\n</user>`, `<tool>\n${JSON.stringify(p.tool, null, 2)}\n</tool>`].join('\n\n');
}
