// A stand-in for Anthropic's Messages API on 127.0.0.1 (a random port), reached through the real
// SDK with `baseURL`. Each test scripts the answers, one per request, and reads what was sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Step =
  /** A message whose content is these blocks. */
  | { kind: 'message'; content: unknown[]; usage?: { input_tokens: number; output_tokens: number }; stop_reason?: string }
  /** An error status with the API's error body and headers. */
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }
  /** Never answers (until the client gives up or the server closes). */
  | { kind: 'hang' }
  /** Sends the status line and headers of an answer and the start of its body, then nothing more. */
  | { kind: 'stall' };

export interface Received {
  body: {
    model: string;
    temperature?: number;
    system?: string;
    messages: { role: string; content: unknown }[];
    tools?: { name: string }[];
    tool_choice?: unknown;
    max_tokens: number;
  };
  headers: IncomingMessage['headers'];
}

export interface FakeAnthropic {
  /** For the SDK's baseURL or ANTHROPIC_BASE_URL. */
  url: string;
  received: Received[];
  /** Answers for the next requests, in order. */
  script(...steps: Step[]): void;
  /** Resolves when `n` requests have arrived. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

/** A `propose_rules` tool call. */
export function toolAnswer(rules: unknown, rationale = 'Tighter thresholds.', usage = { input_tokens: 1200, output_tokens: 80 }): Step {
  return { kind: 'message', content: [{ type: 'tool_use', id: `toolu_${Math.random().toString(36).slice(2, 10)}`, name: 'propose_rules', input: { rationale, rules } }], usage };
}

/** A plain text answer, without the tool call. */
export function textAnswer(text: string): Step {
  return { kind: 'message', content: [{ type: 'text', text }], usage: { input_tokens: 1000, output_tokens: 20 } };
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const queue: Step[] = [];
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `no ${req.url}` } }));
        return;
      }
      received.push({ body: JSON.parse(raw), headers: req.headers });
      for (const w of waiters.filter((x) => received.length >= x.n)) w.resolve();
      const step = queue.shift() ?? { kind: 'error', status: 500, type: 'api_error', message: 'the test scripted no answer for this request' };
      if (step.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (step.kind === 'stall') {
        hanging.add(res);
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${received.length}` });
        res.write('{"id": "msg_stalled", ');
        return;
      }
      if (step.kind === 'error') {
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(JSON.stringify({ type: 'error', error: { type: step.type, message: step.message } }));
        return;
      }
      const body = {
        id: `msg_${received.length}`,
        type: 'message',
        role: 'assistant',
        model: received[received.length - 1].body.model,
        content: step.content,
        stop_reason: step.stop_reason ?? (step.content.some((b) => (b as { type: string }).type === 'tool_use') ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        usage: step.usage ?? { input_tokens: 10, output_tokens: 10 },
      };
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${received.length}` }).end(JSON.stringify(body));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script: (...steps) => void queue.push(...steps),
    waitForRequests: (n) => (received.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        hanging.clear();
        server.close(() => resolve());
      }),
  };
}
