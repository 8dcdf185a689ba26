// Messages from the extension to a webview page wait until the page says `ready`: a message
// posted before its script listens is lost (the first lens click used to preview the whole file).
// Pure (no vscode import), so it is unit tested.
import type { ToPreview } from '../../webviews/src/protocol';

export class PanelChannel<M> {
  private open = false;
  private pending: M[] = [];

  constructor(private readonly send: (m: M) => void) {}

  get ready(): boolean {
    return this.open;
  }

  /** Sends now when the page listens, else when it says ready. */
  post(m: M): void {
    if (this.open) this.send(m);
    else this.pending.push(m);
  }

  /** The page listens: `greet` turns what waited (in order) into what to send now. */
  opened(greet: (pending: M[]) => M[] = (p) => p): void {
    const waiting = this.pending;
    this.pending = [];
    this.open = true;
    for (const m of greet(waiting)) this.send(m);
  }

  /** The page is gone (a hidden panel's page is unloaded) until it says ready again. */
  closed(): void {
    this.open = false;
  }
}

/** What a preview page gets first: the rule of the last `show` that waited (none: what it showed last). */
export function previewGreeting(pending: ToPreview[]): ToPreview[] {
  const show = [...pending].reverse().find((m): m is Extract<ToPreview, { type: 'show' }> => m.type === 'show');
  return [show ? { type: 'init', rule: show.rule, ...(show.split ? { split: show.split } : {}) } : { type: 'init' }];
}
