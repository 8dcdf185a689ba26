// The webviews' pure parts: list navigation, the line diff, the page HTML and its CSP.
import { describe, expect, it } from 'vitest';
import type { OutcomeGroup } from '../../server/src/preview/types';
import { lineDiff } from '../../webviews/src/diff';
import { margin } from '../../webviews/src/format';
import { escapeHtml, makeNonce, panelHtml } from '../../webviews/src/html';
import { locate, stepGroup, stepSeries } from '../../webviews/src/list';
import { themeKind } from '../../webviews/src/theme';

const groups: OutcomeGroup[] = [
  { outcome: 'fp', count: 2, series: [{ id: 'a', points: 1, margin: 0.1 }, { id: 'b', points: 1, margin: 0.2 }] },
  { outcome: 'fn', count: 0, series: [] },
  { outcome: 'tp', count: 3, series: [{ id: 'c', points: 2, margin: 0 }, { id: 'a', points: 1, margin: null }] },
];

describe('series list navigation', () => {
  it('steps through the series across groups, stopping at the ends', () => {
    expect(stepSeries(groups, undefined, 1)).toEqual({ group: 'fp', id: 'a' });
    expect(stepSeries(groups, undefined, -1)).toEqual({ group: 'tp', id: 'a' });
    expect(stepSeries(groups, { group: 'fp', id: 'b' }, 1)).toEqual({ group: 'tp', id: 'c' });
    expect(stepSeries(groups, { group: 'tp', id: 'c' }, -1)).toEqual({ group: 'fp', id: 'b' });
    expect(stepSeries(groups, { group: 'tp', id: 'a' }, 1)).toEqual({ group: 'tp', id: 'a' });
    expect(stepSeries(groups, { group: 'fp', id: 'a' }, -1)).toEqual({ group: 'fp', id: 'a' });
    // A series listed twice is told apart by its group.
    expect(stepSeries(groups, { group: 'tp', id: 'a' }, -1)).toEqual({ group: 'tp', id: 'c' });
    expect(stepSeries([], undefined, 1)).toBeUndefined();
  });

  it('jumps to the first series of the next or previous group that has any', () => {
    expect(stepGroup(groups, { group: 'fp', id: 'b' }, 1)).toEqual({ group: 'tp', id: 'c' });
    expect(stepGroup(groups, { group: 'tp', id: 'a' }, -1)).toEqual({ group: 'fp', id: 'a' });
    expect(stepGroup(groups, { group: 'tp', id: 'a' }, 1)).toEqual({ group: 'tp', id: 'c' });
    expect(stepGroup(groups, undefined, 1)).toEqual({ group: 'fp', id: 'a' });
  });

  it('finds the group of a series, preferring the one it was in', () => {
    expect(locate(groups, 'a')).toEqual({ group: 'fp', id: 'a' });
    expect(locate(groups, 'a', 'tp')).toEqual({ group: 'tp', id: 'a' });
    expect(locate(groups, 'c', 'fp')).toEqual({ group: 'tp', id: 'c' });
    expect(locate(groups, 'zzz')).toBeUndefined();
  });
});

describe('lineDiff', () => {
  it('marks removed, added and unchanged lines in order', () => {
    const d = lineDiff('rule r when\n    x >= 35\n    and z >= 5', 'rule r when\n    x >= 40\n    and z >= 5\n    or y > 1');
    expect(d).toEqual([
      { kind: 'same', text: 'rule r when' },
      { kind: 'del', text: '    x >= 35' },
      { kind: 'add', text: '    x >= 40' },
      { kind: 'same', text: '    and z >= 5' },
      { kind: 'add', text: '    or y > 1' },
    ]);
    expect(lineDiff('a', 'a')).toEqual([{ kind: 'same', text: 'a' }]);
    expect(lineDiff('', 'x').map((l) => l.kind)).toEqual(['del', 'add']);
  });
});

describe('panelHtml', () => {
  const nonce = makeNonce();
  const html = panelHtml({ scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/preview.main.js', cspSource: 'https://*.vscode-cdn.net', nonce, title: 'Preview <stockout.arl>' });

  it('sets a strict Content Security Policy', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src 'nonce-${nonce}'`);
    expect(csp).toContain(`style-src https://*.vscode-cdn.net 'nonce-${nonce}'`);
    expect(csp).toContain('img-src data:');
    expect(csp).not.toMatch(/unsafe-(eval|inline)/);
    expect(csp).not.toMatch(/https?:\/\/(?!\*\.vscode-cdn\.net)/);
  });

  it('loads the script and styles by nonce only, and escapes the title', () => {
    expect(html).toContain(`<script nonce="${nonce}" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/preview.main.js"></script>`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html).toContain('<title>Preview &lt;stockout.arl&gt;</title>');
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('makes fresh nonces and refuses bad ones', () => {
    expect(makeNonce()).not.toBe(makeNonce());
    expect(makeNonce()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(() => panelHtml({ scriptUri: 'x', cspSource: 'y', nonce: "abc'; script-src *", title: 't' })).toThrow(/nonce/);
    expect(() => panelHtml({ scriptUri: 'x', cspSource: "y 'unsafe-eval'", nonce, title: 't' })).toThrow(/CSP source/);
    expect(() => panelHtml({ scriptUri: 'x', cspSource: 'y; script-src *', nonce, title: 't' })).toThrow(/CSP source/);
    // What VS Code's own webviews report.
    expect(panelHtml({ scriptUri: 'x', cspSource: "'self' https://*.vscode-cdn.net", nonce, title: 't' })).toContain("style-src 'self' https://*.vscode-cdn.net 'nonce-");
    expect(escapeHtml(`"<&>'`)).toBe('&quot;&lt;&amp;&gt;&#39;');
  });
});

describe('small helpers', () => {
  it('reads the kind of theme from the body classes', () => {
    expect(themeKind(['vscode-dark'])).toBe('dark');
    expect(themeKind(['vscode-light'])).toBe('light');
    expect(themeKind(['vscode-high-contrast'])).toBe('high-contrast');
    expect(themeKind(['vscode-high-contrast', 'vscode-high-contrast-light'])).toBe('high-contrast-light');
  });

  it('writes margins as percentages', () => {
    expect(margin(0.2)).toBe('20%');
    expect(margin(0.033333)).toBe('3.3%');
    expect(margin(null)).toBe('∞');
  });
});
