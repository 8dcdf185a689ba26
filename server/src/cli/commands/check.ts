// `arl check FILE`: diagnostics as file:line:col: severity: message; exit 1 on errors.
import { check } from '../../../../grammar/src/check';
import { parse } from '../../../../grammar/src/parse';
import { write, type Command } from '../command';
import { allowOutsideOption, allowOutsideUsage, analyzeFile, printIssues, readRuleFile } from '../shared';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Report problems in a rule file (syntax, types, dataset, rules that never fire)',
  usage: `Usage: arl check FILE [--no-data] [--allow-outside DIR]

Prints every problem as file:line:col: severity: message. Exit status 1 when there is an error.

Options:
  --no-data   check the language only, without loading the dataset
${allowOutsideUsage}`,
  options: { 'no-data': { type: 'boolean' }, ...allowOutsideOption },
  async run(positionals, values, io) {
    const file = await readRuleFile(positionals[0], io);
    const issues = values['no-data'] ? check(parse(file.text)).issues : (await analyzeFile(file, io, { values, oneShot: true, onlyMentioned: true, scoresOnly: true, scoreSplits: [] })).issues;
    const errors = printIssues(file, issues, io, io.stdout);
    if (!issues.length) write(io.stderr, 'No problems.');
    return errors ? 1 : 0;
  },
};
