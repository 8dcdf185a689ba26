// Labelling through the language server, with the real SDK talking to a fake Messages API: the plan,
// the prompt with its image, a run with progress notifications, the lenses counting labels by
// source after it, and nothing at all in an untrusted workspace.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeLensRequest } from 'vscode-languageserver-protocol/node';
import { LabelPlanRequest, LabelProgressNotification, LabelPromptRequest, LabelSeriesRequest, SuggestCategoriesRequest, WorkspaceTrustNotification } from '../../server/src/lsp/protocol';
import { startFakeAnthropic, type FakeAnthropic, type Step } from '../support/fake-anthropic';
import { startTestServer, type TestClient } from '../support/lsp';
import { tempDir } from '../support/tmp';

let fake: FakeAnthropic;
let client: TestClient;
let uri: string;
let dir: string;
const key = 'sk-ant-test-lsp-labels';

const vote = (anomalous: boolean): Step => ({
  kind: 'message',
  content: [{ type: 'tool_use', id: `toolu_${Math.random().toString(36).slice(2, 10)}`, name: 'label_point', input: { anomalous, reason: anomalous ? 'A jump.' : 'Flat.' } }],
  usage: { input_tokens: 1300, output_tokens: 60 },
});

beforeAll(async () => {
  dir = tempDir();
  let csv = 'sku,week,oos,y\n';
  for (let s = 0; s < 3; s++) for (let w = 0; w < 10; w++) csv += `s${s},${w},${w === 9 && s === 0 ? 70 : w % 4},${s === 2 && w === 9 ? 0 : ''}\n`;
  writeFileSync(join(dir, 'data.csv'), csv);
  mkdirSync(join(dir, '.git'));
  const file = join(dir, 'rules.arl');
  const text = 'dataset "data.csv" {\n    series = sku\n    time = week\n    label = y\n    context = "Out-of-stock ratio per product."\n}\nrule high when oos >= 50\n';
  writeFileSync(file, text);
  fake = await startFakeAnthropic();
  process.env.ANTHROPIC_API_KEY = key;
  uri = pathToFileURL(file).href;
  client = await startTestServer({ workspace: { codeLens: { refreshSupport: true } } }, { debounceMs: 0 }, { workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'w' }] });
  await client.open(uri, text);
});

afterAll(async () => {
  client?.close();
  await fake?.close();
  delete process.env.ANTHROPIC_API_KEY;
});

const params = () => ({ uri, models: ['m1', 'm2'], votes: 1, baseUrl: fake.url });

describe('Label Series with LLM in the editor', () => {
  it('plans the requests and shows the prompt with its image before anything is sent', async () => {
    const plan = await client.conn.sendRequest(LabelPlanRequest, params());
    // s2's last point is labelled in the CSV: two points to ask about, x 2 models x 1 vote.
    expect(plan).toMatchObject({ points: 2, requests: 4, capped: 0 });
    const prompt = await client.conn.sendRequest(LabelPromptRequest, params());
    expect(prompt.text).toContain('Out-of-stock ratio per product.');
    expect(prompt.series).toBe('s0');
    expect(Buffer.from(prompt.image!, 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(fake.received.length).toBe(0);
  });

  it('labels with progress, and the lenses count the labels by source afterwards', async () => {
    const progress: string[] = [];
    client.conn.onNotification(LabelProgressNotification, (m) => progress.push(`${m.done}/${m.total} ${m.message}`));
    fake.script(vote(true), vote(true), vote(false), vote(true));
    const diags = client.diagnostics(uri);
    const r = await client.conn.sendRequest(LabelSeriesRequest, params());
    expect(r).toMatchObject({ accepted: 1, review: 1, failed: 0, requests: 4, cancelled: false });
    expect(progress).toEqual(['1/2 s0 @ 9: anomaly', '2/2 s1 @ 9: to review']);
    await diags;
    const lenses = await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    const titles = (lenses ?? []).map((l) => l.command?.title ?? '');
    expect(titles).toContain('labels: 1 from LLMs · 1 from the CSV');
  });

  it('answers odd labelling params with InvalidParams, sending nothing', async () => {
    const before = fake.received.length;
    for (const bad of [{ models: [] }, { votes: 2.5 }, { votes: 0 }, { models: ['m', 7] }]) {
      await expect(client.conn.sendRequest(LabelSeriesRequest, { ...params(), ...bad } as never)).rejects.toMatchObject({ code: -32602 });
    }
    expect(fake.received.length).toBe(before);
  });

  it('suggests categories as the whole new text, changing rule headers only', async () => {
    const r = await client.conn.sendRequest(SuggestCategoriesRequest, { uri, proposer: 'offline' });
    expect(r.error).toBeUndefined();
    expect(r.proposals).toMatchObject([{ rule: 'high', title: 'High oos', group: 'Spikes in oos' }]);
    expect(r.text).toMatch(/# category: Flags high oos\..*\nrule high "High oos" category "Spikes in oos" when oos >= 50\n$/);
  });

  it('sends nothing in an untrusted workspace', async () => {
    await client.conn.sendNotification(WorkspaceTrustNotification, { trusted: false });
    const before = fake.received.length;
    const r = await client.conn.sendRequest(LabelSeriesRequest, params());
    expect(r.error?.code).toBe('untrusted');
    const plan = await client.conn.sendRequest(LabelPlanRequest, params());
    expect(plan).toMatchObject({ error: { code: 'untrusted' } });
    const cats = await client.conn.sendRequest(SuggestCategoriesRequest, { uri, proposer: 'anthropic', baseUrl: fake.url });
    expect(cats.error?.code).toBe('untrusted');
    expect(fake.received.length).toBe(before);
    await client.conn.sendNotification(WorkspaceTrustNotification, { trusted: true });
  });
});
