// The host side of the panels, without VS Code: messages wait for the page's `ready`, and undo /
// redo of applied proposals are read from the document's text.
import { describe, expect, it } from 'vitest';
import { PanelChannel, previewGreeting } from '../../client/src/panelChannel';
import { undoRedo, type Applied } from '../../client/src/undoRecords';
import type { ToPreview } from '../../webviews/src/protocol';

describe('panel channel', () => {
  it('holds what the host posts until the page listens, then greets it with the lens’s rule', () => {
    const sent: ToPreview[] = [];
    const ch = new PanelChannel<ToPreview>((m) => sent.push(m));
    // The lens click creates the panel and asks for `critical` before the page's script runs.
    ch.post({ type: 'show', rule: 'critical' });
    expect(sent).toEqual([]);
    ch.opened(previewGreeting);
    expect(sent).toEqual([{ type: 'init', rule: 'critical' }]);
    // Once the page listens, messages go at once.
    ch.post({ type: 'show', rule: 'pressure' });
    expect(sent.at(-1)).toEqual({ type: 'show', rule: 'pressure' });
    // Hidden: the page is unloaded; shown again, it keeps what it showed (no rule in init).
    ch.closed();
    ch.post({ type: 'changed' });
    ch.opened(previewGreeting);
    expect(sent.at(-1)).toEqual({ type: 'init' });
    expect(sent.filter((m) => m.type === 'changed')).toEqual([]);
  });

  it('greets with the last rule asked for when several lenses were clicked before the page was up', () => {
    expect(previewGreeting([{ type: 'show', rule: 'a' }, { type: 'changed' }, { type: 'show', rule: null, split: 'validation' }])).toEqual([{ type: 'init', rule: null, split: 'validation' }]);
  });
});

describe('undo and redo of applied proposals', () => {
  const applied = (): Applied[] => [
    { id: '1', rule: 'r', before: 'rule r when x >= 30', after: 'rule r when x >= 35', undone: false },
    { id: '2', rule: 'q', before: 'rule q when y < 2', after: 'rule q when y < 3', undone: false },
  ];

  it('finds the proposal an undo took back, and the one a redo put again', () => {
    const list = applied();
    const text = 'rule r when x >= 35\nrule q when y < 3\n';
    expect(undoRedo(list, text, 'undo')).toEqual([]);
    const undone = undoRedo(list, 'rule r when x >= 35\nrule q when y < 2\n', 'undo');
    expect(undone.map((a) => a.id)).toEqual(['2']);
    expect(list.map((a) => a.undone)).toEqual([false, true]);
    expect(undoRedo(list, 'rule r when x >= 30\nrule q when y < 2\n', 'undo').map((a) => a.id)).toEqual(['1']);
    expect(undoRedo(list, 'rule r when x >= 35\nrule q when y < 2\n', 'redo').map((a) => a.id)).toEqual(['1']);
    expect(list.map((a) => a.undone)).toEqual([false, true]);
    // An edit by hand that removes the rule is not an undo of the proposal.
    expect(undoRedo(applied(), 'nothing here', 'undo')).toEqual([]);
  });
});
