// A progress bar on a terminal; silent when the stream is a pipe or a file.
export interface Progress {
  update(fraction: number): void;
  done(): void;
}

export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, label: string, enabled = true): Progress {
  if (!enabled || !stream.isTTY) return { update() {}, done() {} };
  let shown = false;
  let last = -1;
  return {
    update(fraction) {
      const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
      if (pct === last) return;
      last = pct;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 10));
      const full = Math.round((pct / 100) * width);
      stream.write(`\r${label} [${'#'.repeat(full)}${' '.repeat(width - full)}] ${String(pct).padStart(3)}%`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
