// Which applied proposals an undo or a redo took back or put again, read from the document's text.
// Pure (no vscode import), so it is unit tested; undoTracker.ts applies it to editor events.

export interface Applied {
  /** The attempt id in the trajectory. */
  id: string;
  rule: string;
  /** The rule's text before and after the proposal. */
  before: string;
  after: string;
  undone: boolean;
}

/**
 * After an undo: applied proposals whose text is gone and whose old text is back. After a redo:
 * undone ones whose text is back. Marks them and returns them, latest first.
 */
export function undoRedo(applied: Applied[], text: string, action: 'undo' | 'redo'): Applied[] {
  const out: Applied[] = [];
  for (const a of [...applied].reverse()) {
    if (action === 'undo' && !a.undone && !text.includes(a.after) && text.includes(a.before)) {
      a.undone = true;
      out.push(a);
    } else if (action === 'redo' && a.undone && text.includes(a.after)) {
      a.undone = false;
      out.push(a);
    }
  }
  return out;
}
