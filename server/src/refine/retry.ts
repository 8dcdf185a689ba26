// Retries of requests to the model's API, in ARL's hands (the SDK's own are off), so an exchange
// ends by its deadline whatever the server does: every request gets only the time left (a hung
// answer is cut at the deadline, body included), back-off is jittered, and retry-after is honoured
// only up to a cap: a longer wait ends the exchange at once, saying how long to wait.
import { anthropic, loadedSdk } from './sdk';

export interface RetryPolicy {
  /** Retries after a failed request. */
  maxRetries: number;
  /** The longest retry-after honoured, in ms; a longer one ends the exchange at once. */
  maxRetryAfterMs: number;
  /** The first back-off in ms, doubled at each retry, jittered by +-25%. */
  backoffMs: number;
  /** When everything ends (performance.now() time). */
  deadline: number;
  /** The user's cancellation. */
  signal?: AbortSignal;
}

/** The exchange ran out of time; `ms` is the whole time it had. */
export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** How long the server asked to wait, in ms, from `retry-after-ms` or `retry-after` (seconds or a date). */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const h = headers?.get('retry-after');
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Failures worth another try: rate limits, overload, server errors, lost connections. */
function retryable(e: unknown): boolean {
  const Anthropic = loadedSdk();
  if (!Anthropic) return false;
  if (e instanceof Anthropic.APIConnectionTimeoutError || e instanceof Anthropic.APIUserAbortError) return false;
  if (e instanceof Anthropic.APIConnectionError) return true;
  if (e instanceof Anthropic.APIError) {
    const s = e.status ?? 0;
    return s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return false;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `request` (given an abort signal and the time left, in ms) until it succeeds, fails for
 * good, or the deadline passes (DeadlineError). The last failure is thrown as it came.
 */
export async function withRetries<T>(request: (signal: AbortSignal, timeoutMs: number) => Promise<T>, p: RetryPolicy, totalMs: number): Promise<T> {
  const Anthropic = await anthropic();
  for (let n = 0; ; n++) {
    if (p.signal?.aborted) throw new Anthropic.APIUserAbortError();
    const left = p.deadline - performance.now();
    if (left <= 0) throw new DeadlineError(totalMs);
    const timer = new AbortController();
    const t = setTimeout(() => timer.abort(), left);
    const signal = p.signal ? AbortSignal.any([p.signal, timer.signal]) : timer.signal;
    try {
      return await request(signal, Math.max(1, Math.ceil(left)));
    } catch (e) {
      if (p.signal?.aborted) throw new Anthropic.APIUserAbortError();
      if (timer.signal.aborted || e instanceof Anthropic.APIConnectionTimeoutError) throw new DeadlineError(totalMs);
      if (!retryable(e) || n >= p.maxRetries) throw e;
      const asked = e instanceof Anthropic.APIError ? retryAfterMs(e.headers) : undefined;
      if (asked !== undefined && asked > p.maxRetryAfterMs) throw e;
      const wait = asked ?? Math.min(p.maxRetryAfterMs, p.backoffMs * 2 ** n * (0.75 + Math.random() * 0.5));
      // A wait that would end past the deadline is not started: the failure stands.
      if (performance.now() + wait >= p.deadline) throw e;
      await sleep(wait, p.signal);
    } finally {
      clearTimeout(t);
    }
  }
}

/** "about 7 seconds", "about 5 minutes", "about an hour". */
export function humanWait(ms: number): string {
  const s = ms / 1000;
  if (s < 1.5) return 'a second';
  if (s < 90) return `about ${Math.round(s)} seconds`;
  if (s < 50 * 60) return `about ${Math.round(s / 60)} minutes`;
  if (s < 90 * 60) return 'about an hour';
  if (s < 36 * 3600) return `about ${Math.round(s / 3600)} hours`;
  return `about ${Math.round(s / 86400)} days`;
}
