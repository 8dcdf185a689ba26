// Hostile rule files: lets doubling each other (a DAG of 2n nodes, 2^n as a tree) on the 10,000 x 53
// example, and a 20,000-rule file, in-process and through the language server (how long it goes
// without answering). Run: node bench/run.mjs limits
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { check } from '../grammar/src/check';
import { parse } from '../grammar/src/parse';
import { writeStockoutCsv } from '../examples/stockout/generate';
import { analyze } from '../server/src/engine/analyze';
import { schemaOf } from '../server/src/engine/frame';
import { compile } from '../server/src/engine/plan';
import { DatasetStore } from '../server/src/engine/store';
import { startTestServer } from '../test/support/lsp';
import { ensureExample, exampleCsv, median } from './util';

await ensureExample();
const head = (csv: string) => `dataset "${csv}" {\n    series = sku\n    time = week\n    label = is_anomaly\n}\n`;
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;

// 1. Doubling lets: parse + check, compile, evaluate, score; medians of 3 cold runs.
for (const n of [24, 64, 200]) {
  let lets = 'let a0 = oos_ratio\nlet c0 = oos_ratio > 40\n';
  for (let i = 1; i <= n; i++) lets += `let a${i} = a${i - 1} + a${i - 1}\nlet c${i} = c${i - 1} and c${i - 1}\n`;
  const text = `${head(exampleCsv)}${lets}rule doubled when a${n} > 0 and c${n}\n`;
  const t = { check: [] as number[], compile: [] as number[], evaluate: [] as number[], score: [] as number[] };
  for (let r = 0; r < 3; r++) {
    const a = await analyze(text, undefined, { store: new DatasetStore() });
    const t0 = performance.now();
    const checked = check(parse(text), schemaOf(a.data!.frame));
    const t1 = performance.now();
    compile(checked);
    t.check.push(t1 - t0);
    t.compile.push(performance.now() - t1);
    t.evaluate.push(a.timings.features + a.timings.evaluate);
    const t2 = performance.now();
    a.scores('train');
    t.score.push(performance.now() - t2);
    if (a.issues.some((i) => i.severity === 'error')) throw new Error(a.issues[0].message);
  }
  console.log(`${n} doubling lets (x2: numbers and conditions): parse+check ${ms(median(t.check))}, compile ${ms(median(t.compile))}, evaluate ${ms(median(t.evaluate))}, score ${ms(median(t.score))}`);
}

// 2. 20,000 rules, in-process, on 400 products (21,200 points) and on the full example.
const rules = (k: number) => Array.from({ length: k }, (_, i) => `rule r${i} when oos_ratio > ${i % 100} and mean(units, ${2 + (i % 7)}) < ${i % 300}`).join('\n') + '\n';
const small = join('out', 'bench', 'stockout-400.csv');
await writeStockoutCsv(small, { products: 400 });
for (const [csv, label] of [
  [small, '400 products'],
  [exampleCsv, '10,000 products'],
] as const) {
  const text = `${head(csv)}${rules(20_000)}`;
  const t0 = performance.now();
  const parsed = parse(text);
  const t1 = performance.now();
  const a = await analyze(text, undefined, { store: new DatasetStore() });
  const t2 = performance.now();
  a.scores('train');
  const t3 = performance.now();
  const over = a.issues.find((i) => i.code === 'budget-exceeded');
  console.log(
    `20,000 rules on ${label}: parse ${ms(t1 - t0)}; analysis ${ms(t2 - t1)} (load ${ms(a.timings.load)}, evaluate ${ms(a.timings.features + a.timings.evaluate)}); score ${ms(t3 - t2)}; ${parsed.file.rules.length} rules` +
      (over ? `; ${over.message.slice(0, over.message.indexOf(':'))} (${over.data?.limit})` : ''),
  );
}

// 3. The language server with 20,000 rules: the longest stretch without answering a request while
// it opens the file, and after an edit (answered between rules, the edit cancelling the old work).
const path = join('out', 'bench', 'rules-20000.arl');
const text = `${head('stockout-400.csv')}${rules(20_000)}`;
writeFileSync(path, text);
const uri = pathToFileURL(path).href;
const client = await startTestServer({}, { debounceMs: 0 });
async function responsiveness(work: Promise<unknown>): Promise<{ total: number; worst: number; pings: number }> {
  const t0 = performance.now();
  let done = false;
  void work.then(() => (done = true));
  let worst = 0;
  let pings = 0;
  while (!done) {
    const t = performance.now();
    // An unknown method: answered by the connection at once, unless the event loop is busy.
    await client.conn.sendRequest('arl/ping').catch(() => undefined);
    worst = Math.max(worst, performance.now() - t);
    pings++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { total: performance.now() - t0, worst, pings };
}
const opened = await responsiveness(client.open(uri, text));
console.log(`language server, open 20,000 rules: diagnostics after ${ms(opened.total)}; longest without answering ${ms(opened.worst)} (${opened.pings} pings)`);
const edited = text.replace('rule r19999 when oos_ratio > 99', 'rule r19999 when oos_ratio > 98');
const diagnostics = client.diagnostics(uri, 2);
await client.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
const change = await responsiveness(diagnostics);
console.log(`language server, edit one of 20,000 rules: diagnostics after ${ms(change.total)}; longest without answering ${ms(change.worst)}`);
// Two edits in a row: the second cancels the first's work between rules.
const third = text.replace('rule r0 when oos_ratio > 0', 'rule r0 when oos_ratio > 1');
const latest = client.diagnostics(uri, 4);
await client.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ text: edited.replace('> 98', '> 97') }] });
await new Promise((r) => setTimeout(r, 500));
await client.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 4 }, contentChanges: [{ text: third }] });
const both = await responsiveness(latest);
console.log(`language server, a second edit 0.5 s after the first: diagnostics of the second after ${ms(both.total)}; longest without answering ${ms(both.worst)}`);
client.close();
process.exit(0);
