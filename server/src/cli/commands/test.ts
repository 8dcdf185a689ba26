// `arl test FILE`: runs the file's test blocks.
import { LineIndex } from '../../../../grammar/src/issues';
import { parse } from '../../../../grammar/src/parse';
import { describeFailure, runTests } from '../../engine/testblocks';
import { write, type Command } from '../command';
import { formatIssue, readRuleFile } from '../shared';

export const testCommand: Command = {
  name: 'test',
  summary: "Run a rule file's test blocks",
  usage: `Usage: arl test FILE

Runs every \`test\` block: its values form a small series, the file's rules and excludes are
evaluated on it, and each \`expect\` is checked. Exit status 1 when a test fails.`,
  options: {},
  async run(positionals, _values, io) {
    const file = await readRuleFile(positionals[0], io);
    const parsed = parse(file.text);
    const index = new LineIndex(file.text);
    const outcomes = runTests(parsed);
    if (!outcomes.length) {
      write(io.stderr, 'No tests in this file. Add one, e.g.\n\ntest "a spike" {\n    oos_ratio = [1, 2, 1, 90]\n    expect anomaly\n}');
      return 0;
    }
    let failed = 0;
    for (const o of outcomes) {
      const at = index.position(o.decl.start);
      if (o.passed) {
        write(io.stdout, `ok    ${o.title}`);
        continue;
      }
      failed++;
      write(io.stdout, `FAIL  ${o.title} (line ${at.line + 1})`);
      for (const e of o.errors) write(io.stdout, `      ${formatIssue(file, index, e, io.cwd)}`);
      for (const f of o.failures) write(io.stdout, `      ${describeFailure(f)}`);
    }
    write(io.stdout, `\n${outcomes.length - failed} passed, ${failed} failed`);
    return failed ? 1 : 0;
  },
};
