// The `arl` binary, spawned.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { StreamMessageReader, StreamMessageWriter, createProtocolConnection, InitializeRequest } from 'vscode-languageserver-protocol/node';
import { analyze } from '../../server/src/engine/analyze';
import { TRUE } from '../../server/src/engine/kernels';
import { DatasetStore } from '../../server/src/engine/store';
import { arl, arlBin } from '../support/cli';
import { exampleDir, type ExampleDir } from '../support/example';
import { tempDir } from '../support/tmp';

let ex: ExampleDir;
beforeAll(async () => {
  ex = await exampleDir(400);
});

describe('arl', () => {
  it('lists its commands and rejects unknown ones', async () => {
    const h = await arl(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['check', 'eval', 'run', 'test', 'example', 'lsp']) expect(h.stdout).toContain(`  ${c}`);
    const u = await arl(['frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("unknown command 'frobnicate'");
  });

  it('eval prints the metrics the engine computes, as a table and as JSON', async () => {
    const a = await analyze(readFileSync(ex.arl, 'utf8'), ex.arl, { store: new DatasetStore() });
    const s = a.scores('validation')!;
    const t = await arl(['eval', ex.arl, '--split', 'validation']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(new RegExp(`critical\\s+${s.rules[0].precision.toFixed(3)}\\s+${s.rules[0].recall.toFixed(3)}\\s+${s.rules[0].f1.toFixed(3)}\\s+${s.rules[0].tp}\\s+${s.rules[0].fp}\\s+${s.rules[0].fn}`));
    expect(t.stdout).toContain(`(file)`);
    const j = await arl(['eval', ex.arl, '--json', '--split', 'validation']);
    const out = JSON.parse(j.stdout);
    expect(out.scores.file.tp).toBe(s.file.tp);
    expect(Object.keys(out.timings).sort()).toEqual(['evaluate', 'features', 'load']);
    expect(out.timings.load).toBeGreaterThan(0);
    // The noise budget: alerts per week over the weeks the split covers (weekly data: span + 1 week).
    const times = a.data!.frame.time;
    const weeks = (Math.max(...times) - Math.min(...times)) / (7 * 86400000) + 1;
    expect(out.alertsPerWeek.weeks).toBeCloseTo(weeks, 9);
    expect(out.alertsPerWeek.rules.critical).toBeCloseTo(s.rules[0].fires / weeks, 9);
    expect(out.alertsPerWeek.file).toBeCloseTo(s.file.fires / weeks, 9);
    expect(t.stdout).toMatch(/unique TP\s+alerts\/wk$/m);
    expect(t.stdout).toContain(`(split: validation, ${weeks} weeks)`);
    expect(t.stdout).toMatch(new RegExp(`critical\\s.*\\s${(s.rules[0].fires / weeks).toFixed(2)}$`, 'm'));
  });

  it('eval --min-f1 is a CI gate', async () => {
    expect((await arl(['eval', ex.arl, '--min-f1', '0.5'])).code).toBe(0);
    const low = await arl(['eval', ex.arl, '--min-f1', '0.999']);
    expect(low.code).toBe(1);
    expect(low.stderr).toMatch(/below --min-f1 0.999/);
    expect((await arl(['eval', ex.arl, '--split', 'everything'])).code).toBe(2);
  });

  it('check prints file:line:col diagnostics and fails on errors', async () => {
    expect((await arl(['check', ex.arl])).code).toBe(0);
    const bad = join(ex.dir, 'bad.arl');
    writeFileSync(bad, readFileSync(ex.arl, 'utf8').replace('oos_ratio >= 45', 'oos_ratoi >= 45'));
    const r = await arl(['check', bad], { cwd: ex.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^bad\.arl:\d+:\d+: error: .*oos_ratoi.*oos_ratio/m);
    const missing = await arl(['check', join(ex.dir, 'nope.arl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });

  it('run writes every flagged point, with or without labels', async () => {
    const a = await analyze(readFileSync(ex.arl, 'utf8'), ex.arl, { store: new DatasetStore() });
    let flagged = 0;
    for (let i = 0; i < a.data!.frame.length; i++) {
      if (a.excludeFlags.some((e) => e.flags![i] === TRUE)) continue;
      if (a.ruleFlags.some((r) => r.flags![i] === TRUE)) flagged++;
    }
    const out = join(ex.dir, 'alerts.csv');
    const r = await arl(['run', ex.arl, '--out', out]);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('series,time,rules,category,severity');
    expect(rows.length - 1).toBe(flagged);
    expect(rows[1]).toMatch(/^SKU\d+,\d{4}-\d\d-\d\dT00:00:00Z,[a-z ]+,[^,]+,(low|medium|high|critical)$/);
    // Production data has no label column.
    const csv = readFileSync(ex.csv, 'utf8').trimEnd().split('\n');
    const header = csv[0].split(',');
    const keep = header.map((_h, i) => i).filter((i) => header[i] !== 'is_anomaly' && header[i] !== 'reason');
    const prod = join(ex.dir, 'prod.csv');
    writeFileSync(prod, csv.map((l) => l.split(',').slice(0, Math.max(...keep) + 1).filter((_c, i) => keep.includes(i)).join(',')).join('\n') + '\n');
    const p = await arl(['run', ex.arl, '--data', prod]);
    expect(p.code).toBe(0);
    expect(p.stdout.trimEnd().split('\n').length - 1).toBe(flagged);
  });

  it('test runs test blocks and explains failures', async () => {
    const ok = await arl(['test', ex.arl]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('2 passed, 0 failed');
    const f = join(ex.dir, 'fail.arl');
    writeFileSync(f, readFileSync(ex.arl, 'utf8') + '\ntest "flat is fine" {\n    oos_ratio = [5, 5, 5, 5, 5]\n    expect anomaly at 4\n}\n');
    const r = await arl(['test', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  flat is fine');
    expect(r.stdout).toContain('expected an anomaly at 4, got normal: no rule fired');
  });

  it('eval shows event figures and the objective beside flag-all and flag-nothing when labels form runs', async () => {
    const dir = join(ex.dir, 'events');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    // a: an event at 5-8 caught from 6 (delay 1) and a false spike at 15; b: an event at 10-11 caught at once.
    let csv = 'id,t,x,y\n';
    for (let t = 0; t < 20; t++) csv += `a,${t},${(t >= 6 && t <= 8) || t === 15 ? 10 : 1},${t >= 5 && t <= 8 ? 1 : 0}\n`;
    for (let t = 0; t < 20; t++) csv += `b,${t},${t === 10 || t === 11 ? 10 : 1},${t === 10 || t === 11 ? 1 : 0}\n`;
    writeFileSync(join(dir, 'd.csv'), csv);
    writeFileSync(join(dir, 'r.arl'), 'dataset "d.csv" {\n    series = id\n    time = t\n    label = y\n}\nrule r when x > 5\n');
    const t = await arl(['eval', 'r.arl', '--split', 'all'], { cwd: dir });
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^rule\s+P\s+R\s+F1\s+TP\s+FP\s+FN\s+fires\s+unjudged\s+unique TP\s+event P\s+event R\s+event F1\s+alarms\s+delay$/m);
    // 3 alarms of 3, 1 and 2 points: 5 of the 6 alarm points inside events: event precision 5/6 (by
    // length, the composite F-score); both events caught: event F1 0.909.
    expect(t.stdout).toMatch(/^\(file\)\s+0\.833\s+0\.833\s+0\.833\s+5\s+1\s+1\s+6\s+0\s+0\.833\s+1\.000\s+0\.909\s+3\s+0\.5$/m);
    // Flag-all: one alarm per series, 4 of 20 and 2 of 20 points in events: precision 0.15.
    expect(t.stdout).toMatch(/^\(flag all\)\s+0\.150\s+1\.000\s+0\.261\s+6\s+34\s+0\s+40\s+0\s+0\.150\s+1\.000\s+0\.261\s+2\s+0\.0$/m);
    expect(t.stdout).toMatch(/^\(flag none\)\s+-\s+0\.000\s+0\.000\s+0\s+0\s+6\s+0\s+0\s+-\s+0\.000\s+0\.000\s+0\s+-$/m);
    expect(t.stdout).toContain('objective: event F1 0.91 · flag all 0.26 · flag none 0.00 (default: the labels form runs longer than one point');
    expect(t.stdout).toContain('alarms: 3 (1 false, 25 per 1,000 labelled points), 75 per series per 1,000 points; median delay 0.5 points');
    const j = JSON.parse((await arl(['eval', 'r.arl', '--split', 'all', '--json'], { cwd: dir })).stdout);
    expect(j.scores.objective).toMatchObject({ label: 'event F1', set: false });
    expect(j.scores.file).toMatchObject({ alarms: 3, trueAlarms: 2, falseAlarms: 1, events: 2, eventsCaught: 2, delay: 0.5 });
    expect(j.scores.baselines.all.eventF1).toBeCloseTo(0.2609, 4);
    expect(j.scores.baselines.none.eventPrecision).toBeNull();
    // Flagging everything: no better than flag-all, a warning on the dataset block (not an error).
    writeFileSync(join(dir, 'loud.arl'), 'dataset "d.csv" {\n    series = id\n    time = t\n    label = y\n}\nrule r when x > 0\n');
    const loud = await arl(['eval', 'loud.arl'], { cwd: dir });
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/^loud\.arl:1:1: warning: On train the rules' event F1 is [\d.]+, no better than flagging every point/m);
  });

  it('reports a broken CSV with its file, line and column', async () => {
    const dir = join(ex.dir, 'broken');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'd.csv'), 'sku,week,oos_ratio,is_anomaly\nA,2025-01-06,1,0\nA,2025-01-13,2,0\nA,2025-01-13,3,1\n');
    writeFileSync(join(dir, 'r.arl'), 'dataset "d.csv" {\n    series = sku\n    time = week\n    label = is_anomaly\n}\nrule r when oos_ratio > 1\n');
    const r = await arl(['eval', join(dir, 'r.arl')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/r\.arl:1:9: error: .*d\.csv:4:3: Series "A" has 2 rows at time "2025-01-13T00:00:00Z" \(lines 3 and 4\)/);
  });

  it('example --series N writes N series, as --products N does', async () => {
    const dir = tempDir();
    expect((await arl(['example', 'stockout', 'a', '--series', '7'], { cwd: dir })).code).toBe(0);
    expect((await arl(['example', 'stockout', 'b', '--products', '7'], { cwd: dir })).code).toBe(0);
    const a = readFileSync(join(dir, 'a', 'stockout.csv'), 'utf8');
    expect(new Set(a.trimEnd().split('\n').slice(1).map((l) => l.split(',')[0])).size).toBe(7);
    expect(readFileSync(join(dir, 'b', 'stockout.csv'), 'utf8')).toBe(a);
  });

  it('serves the language server on stdio', async () => {
    const child = spawn(process.execPath, [arlBin, 'lsp', '--stdio']);
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    conn.listen();
    const init = await conn.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: {} });
    expect(init.capabilities.codeLensProvider).toBeTruthy();
    expect(init.serverInfo?.name).toBe('arl-language-server');
    conn.dispose();
    child.kill();
  });
});
