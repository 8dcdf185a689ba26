// LLM labelling against a scripted stand-in of the Messages API, through the real SDK: what a request
// carries (a PNG image block, the context, the tool), the two-tier consensus (3 votes x 2 models:
// agreement, a split, one model failing), every fault's message, and a run killed mid-way (kill -9)
// keeping every label written before it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyze } from '../../server/src/engine/analyze';
import { DatasetStore } from '../../server/src/engine/store';
import { decide } from '../../server/src/labels/consensus';
import { estimateTokens, pngSize } from '../../server/src/labels/prompt';
import { planRun, preparePrompt, runLabelling, selectTasks } from '../../server/src/labels/run';
import { parseSidecar, sidecarLocation } from '../../server/src/labels/sidecar';
import { arl, arlBin } from '../support/cli';
import { startFakeAnthropic, textAnswer, type FakeAnthropic, type Step } from '../support/fake-anthropic';
import { tempDir } from '../support/tmp';

const key = 'sk-ant-test-labels-secret';
let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await startFakeAnthropic();
});
afterEach(async () => {
  await fake.close();
});

const context = 'Weekly out-of-stock ratio per product; a jump after quiet weeks is an anomaly.';

/** Series s0..s{n-1}, 12 weekly points each, no labels yet. */
function project(series = 3, ctx = `context = "${context}"`): { dir: string; arl: string; csv: string } {
  const dir = tempDir();
  mkdirSync(join(dir, '.git'));
  let csv = 'sku,week,oos,y\n';
  for (let s = 0; s < series; s++) {
    for (let w = 0; w < 12; w++) {
      const day = new Date(Date.UTC(2026, 0, 5 + 7 * w)).toISOString().slice(0, 10);
      csv += `s${s},${day},${w === 11 && s % 2 === 0 ? 60 : (w * 7 + s) % 5},\n`;
    }
  }
  writeFileSync(join(dir, 'data.csv'), csv);
  const file = join(dir, 'rules.arl');
  writeFileSync(file, `dataset "data.csv" {\n    series = sku\n    time = week\n    label = y\n    ${ctx}\n}\nrule high when oos >= 50\n`);
  return { dir, arl: file, csv: join(dir, 'data.csv') };
}

const vote = (anomalous: boolean, reason = anomalous ? 'A jump after quiet weeks.' : 'Flat.', where?: { start: string; end?: string }): Step => ({
  kind: 'message',
  content: [{ type: 'tool_use', id: `toolu_${Math.random().toString(36).slice(2, 10)}`, name: 'label_point', input: { anomalous, reason, ...(where ? { where } : {}) } }],
  usage: { input_tokens: 1300, output_tokens: 60 },
});

async function analysed(p: { arl: string }) {
  return analyze(readFileSync(p.arl, 'utf8'), p.arl, { store: new DatasetStore() });
}

const llm = (extra = {}) => ({ apiKey: key, baseURL: fake.url, maxRetries: 0, timeout: 5000, ...extra });

function sidecar(p: { csv: string }) {
  const path = sidecarLocation(p.csv).path;
  return existsSync(path) ? parseSidecar(readFileSync(path, 'utf8')) : { entries: [], skippedTotal: 0 };
}

describe('LLM labelling', () => {
  it('sends the plot as a PNG image block with the business context, and asks through the tool', async () => {
    const p = project(1);
    const a = await analysed(p);
    const { tasks } = selectTasks(a, {});
    expect(tasks.map((t) => [t.series, t.time])).toEqual([['s0', '2026-03-23T00:00:00Z']]);
    fake.script(vote(true, 'Up from 0-4 to 60.', { start: '2026-03-23' }));
    const res = await runLabelling(a, tasks, { models: ['m1'], votes: 1, llm: llm(), context, roots: [p.dir] });
    expect(res.accepted).toBe(1);
    const body = fake.received[0].body;
    expect(String(fake.received[0].headers['x-api-key'] ?? fake.received[0].headers.authorization)).toContain(key);
    const content = body.messages[0].content as { type: string; source?: { type: string; media_type: string; data: string }; text?: string }[];
    expect(content[0].type).toBe('image');
    expect(content[0].source!.media_type).toBe('image/png');
    const png = Buffer.from(content[0].source!.data, 'base64');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(pngSize(content[0].source!.data).w).toBeGreaterThan(1000);
    expect(content[1].text).toContain(context);
    expect(content[1].text).toContain('Is the point at 2026-03-23T00:00:00Z (the dashed line) an anomaly?');
    expect(body.tools?.map((t) => t.name)).toEqual(['label_point']);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'label_point' });
    expect(body.temperature).toBe(0);
    const e = sidecar(p).entries;
    expect(e).toMatchObject([{ series: 's0', time: '2026-03-23T00:00:00Z', label: 1, source: 'llm:m1', votes: 'm1=1', reason: 'Up from 0-4 to 60. (at 2026-03-23)' }]);
    expect(readFileSync(sidecarLocation(p.csv).path, 'utf8')).not.toContain(key);
    // The label is now merged: the next selection of unlabelled points is empty.
    expect(selectTasks(await analysed(p), {}).tasks).toEqual([]);
  });

  it('skips a series with no value to plot, saying so', async () => {
    const p = project(2);
    writeFileSync(p.csv, readFileSync(p.csv, 'utf8').replace(/^(s1,[^,]+),[^,]*,/gm, '$1,,'));
    const { tasks, problems } = selectTasks(await analysed(p), {});
    expect(tasks.map((t) => t.series)).toEqual(['s0']);
    expect(problems).toEqual(['Series `s1` has no value to plot; skipped.']);
  });

  it('estimates the tokens of a request from what is sent (image by its size, text by its length)', async () => {
    const p = project(1);
    const a = await analysed(p);
    const prompt = await preparePrompt(a, selectTasks(a, {}).tasks[0], context);
    const est = estimateTokens(prompt);
    const { w, h } = pngSize(prompt.image);
    const scale = Math.min(1, 1568 / Math.max(w, h));
    const image = Math.ceil((w * scale * h * scale) / 750);
    expect(est.input).toBe(image + Math.ceil((prompt.system.length + prompt.text.length + JSON.stringify(prompt.tool).length) / 4));
    const plan = planRun(selectTasks(a, { series: ['s0'] }).tasks, prompt, 2, 3, 100);
    expect(plan.requests).toBe(6);
    expect(plan.tokens.input).toBe(6 * est.input);
    // Capped: 7 requests leave room for one point of 2 models x 3 votes.
    expect(planRun([...Array(5)].map(() => selectTasks(a, { series: ['s0'] }).tasks[0]), prompt, 2, 3, 7)).toMatchObject({ requests: 6, capped: 4 });
  });

  it('accepts a label only when every model’s majority agrees (3 votes x 2 models)', async () => {
    const p = project(3);
    const a = await analysed(p);
    const { tasks } = selectTasks(a, {});
    fake.script(
      // s0: m1 2 of 3 anomaly, m2 3 of 3: accepted, anomaly.
      vote(true), vote(false), vote(true), vote(true), vote(true), vote(true),
      // s1: m1 says normal (3/3), m2 anomaly (2/3): review.
      vote(false), vote(false), vote(false), vote(true), vote(false), vote(true),
      // s2: m1 anomaly (3/3); m2 fails every time: review, with the failure named.
      vote(true), vote(true), vote(true),
      { kind: 'error', status: 500, type: 'api_error', message: 'boom' }, textAnswer('I think so.'), { kind: 'error', status: 500, type: 'api_error', message: 'boom' },
    );
    const seen: string[] = [];
    const res = await runLabelling(a, tasks, { models: ['m1', 'm2'], votes: 3, llm: llm(), context, roots: [p.dir], onProgress: (d, t, o) => seen.push(`${d}/${t} ${o.decision.status}`) });
    expect(seen).toEqual(['1/3 accepted', '2/3 review', '3/3 review']);
    expect(res).toMatchObject({ accepted: 1, review: 2, failed: 0, requests: 18 });
    expect(res.tokens.input).toBe(15 * 1300 + 1000);
    // Several votes are sampled (temperature 1), one vote is repeatable (temperature 0).
    expect(fake.received[0].body.temperature).toBe(1);
    const read = sidecar(p);
    expect(read.skippedTotal).toBe(0);
    const e = read.entries;
    expect(e.map((x) => [x.series, x.label, x.votes])).toEqual([
      ['s0', 1, 'm1=1,0,1; m2=1,1,1'],
      ['s1', null, 'm1=0,0,0; m2=1,0,1'],
      ['s2', null, 'm1=1,1,1; m2=x,x,x'],
    ]);
    expect(e[1].reason).toMatch(/^No consensus: m1 says normal \(3\/3\); m2 says anomaly \(2\/3\)/);
    expect(e[2].reason).toMatch(/m2 has no majority \(0 anomaly, 0 normal, 3 failed\)/);
    expect(res.outcomes[2].failures.map((f) => f.code)).toEqual(['server', 'no-tool-call']);
    expect(res.outcomes[2].failures[1].message).toMatch(/did not call the `label_point` tool/);
    // Only s0 is labelled after the merge; s1 and s2 wait for review, and are not asked again.
    const after = await analysed(p);
    expect(after.data!.labels!.overlay.counts).toEqual({ csv: 0, llm: 1, human: 0 });
    expect(selectTasks(after, {}).tasks).toEqual([]);
  });

  it('decides by the majority of the votes asked: a failed vote never makes one', () => {
    const v = (anomalous: boolean) => ({ anomalous, reason: 'r' });
    expect(decide([{ model: 'a', votes: [v(true), { failed: 'x' }, { failed: 'y' }] }]).status).toBe('review');
    expect(decide([{ model: 'a', votes: [v(false), v(false), { failed: 'y' }] }])).toMatchObject({ status: 'accepted', label: 0 });
    expect(decide([{ model: 'a', votes: [{ failed: 'x' }] }])).toMatchObject({ status: 'failed', reason: 'x' });
  });

  it('says what went wrong for each fault, goes on with the next point, and stops on a refused key', async () => {
    const p = project(5);
    const a = await analysed(p);
    const { tasks } = selectTasks(a, { series: ['s0', 's1', 's2', 's3', 's4'] });
    fake.script(
      { kind: 'message', content: [{ type: 'text', text: 'I cannot help with that.' }], stop_reason: 'refusal' },
      { kind: 'error', status: 400, type: 'invalid_request_error', message: 'Could not process image' },
      { kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after': '3600' } },
      { kind: 'hang' },
      { kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
    );
    const res = await runLabelling(a, tasks, { models: ['m1'], votes: 1, llm: llm({ timeout: 1500 }), context, roots: [p.dir] });
    const msgs = res.outcomes.map((o) => o.failures[0]?.message);
    expect(msgs[0]).toMatch(/declined to label this point \(a refusal\)/);
    expect(msgs[1]).toMatch(/could not read the plot: Could not process image/);
    expect(msgs[2]).toMatch(/Rate limited by the API \(429\): try again in about an hour/);
    expect(msgs[3]).toMatch(/did not answer in time \(1\.5 s\)/);
    expect(msgs[4]).toMatch(/The API refused the key \(401\)/);
    expect(res.stopped).toMatch(/^Stopped: The API refused the key/);
    expect(res.failed).toBe(5);
    expect(sidecar(p).entries).toEqual([]);
  });

  it('stops after repeated failures, keeping the labels already written', async () => {
    const p = project(6);
    const a = await analysed(p);
    const { tasks } = selectTasks(a, { series: ['s0', 's1', 's2', 's3', 's4', 's5'] });
    const fail: Step = { kind: 'error', status: 500, type: 'api_error', message: 'down' };
    fake.script(vote(false), fail, fail, fail);
    const res = await runLabelling(a, tasks, { models: ['m1'], votes: 1, llm: llm(), context, roots: [p.dir], maxFailures: 3 });
    expect(res.stopped).toMatch(/^Stopped after 3 failed requests in a row; the last: The API failed \(500\): down/);
    expect(res.outcomes.length).toBe(4);
    expect(sidecar(p).entries.map((e) => [e.series, e.label])).toEqual([['s0', 0]]);
  });

  it('arl label: says the plan before sending, refuses without a key, and shows the prompt with --dry-run', async () => {
    const p = project(2);
    const noKey = await arl(['label', p.arl], { cwd: p.dir, env: { ANTHROPIC_API_KEY: '' } });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/no API key: set ANTHROPIC_API_KEY/);
    const dry = await arl(['label', p.arl, '--dry-run', '--model', 'm1', '--model', 'm2', '--image', 'plot.png'], { cwd: p.dir, env: { ANTHROPIC_API_KEY: '' } });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(/2 points x 2 models x 3 votes = 12 requests, about [\d,]+ input and 120 output tokens each/);
    expect(dry.stdout).toContain(context);
    expect(readFileSync(join(p.dir, 'plot.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(fake.received.length).toBe(0);
    fake.script(vote(true), vote(false));
    const run = await arl(['label', p.arl, '--votes', '1', '--model', 'm1'], { cwd: p.dir, env: { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: fake.url } });
    expect(run.stderr).toMatch(/2 points x 1 model x 1 vote = 2 requests/);
    expect(run.stderr).toMatch(/\[1\/2\] s0 @ 2026-03-23T00:00:00Z: anomaly \(m1=1\)/);
    expect(run.stderr).toMatch(/1 accepted|2 accepted/);
    expect(run.code).toBe(0);
    expect(sidecar(p).entries.map((e) => e.label)).toEqual([1, 0]);
  });

  it('a dataset with no number column to plot is refused before anything is sent', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'log.csv'), 'block,pos,event,y\nb1,0,E1,\nb1,1,E2,\n');
    writeFileSync(join(dir, 'r.arl'), 'dataset "log.csv" { series = block  time = pos  label = y }\nrule r when event == "E2"\n');
    const r = await arl(['label', join(dir, 'r.arl')], { cwd: dir, env: { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: fake.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no number column to plot/);
    expect(fake.received.length).toBe(0);
  });

  it('a context file outside the project is refused before anything is sent', async () => {
    const p = project(1, 'context = file "../../../etc/passwd"');
    const r = await arl(['label', p.arl], { cwd: p.dir, env: { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: fake.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The context file "..\/..\/..\/etc\/passwd" .*outside the workspace/);
    expect(fake.received.length).toBe(0);
  });

  it('Ctrl-C stops after the request in flight and keeps the points decided', async () => {
    const p = project(6);
    fake.script(vote(true), vote(false), { kind: 'hang' });
    const child = spawn(process.execPath, [arlBin, 'label', p.arl, '--votes', '1', '--model', 'm1'], {
      cwd: p.dir,
      env: { ...process.env, ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: fake.url },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    await fake.waitForRequests(3);
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/arl label: cancelled; the 2 points decided are kept in \.arl\/labels\/data\.csv\./);
    expect(sidecar(p).entries.map((e) => [e.series, e.label])).toEqual([
      ['s0', 1],
      ['s1', 0],
    ]);
  });

  it('a run killed with SIGKILL keeps every label written before it', async () => {
    const p = project(8);
    const answered = 5;
    fake.script(...Array.from({ length: answered }, (_, k) => vote(k % 2 === 0)), { kind: 'hang' });
    const child = spawn(process.execPath, [arlBin, 'label', p.arl, '--votes', '1', '--model', 'm1'], {
      cwd: p.dir,
      env: { ...process.env, ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: fake.url },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    // The 6th request hangs: by then the 5 answers before it are decided and written.
    await fake.waitForRequests(answered + 1);
    child.kill('SIGKILL');
    await exited;
    const read = sidecar(p);
    expect(read.skippedTotal).toBe(0);
    expect(read.entries.map((e) => [e.series, e.label])).toEqual([
      ['s0', 1],
      ['s1', 0],
      ['s2', 1],
      ['s3', 0],
      ['s4', 1],
    ]);
  });
});
