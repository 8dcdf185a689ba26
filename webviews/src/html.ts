// The HTML page of a panel, with a strict Content Security Policy: the bundled script (by nonce),
// styles (by nonce or from the webview's own origin), images only as data: URLs, nothing remote.
// Pure: the host calls it; tests call it too.
import { panelCss } from './styles';

export interface PanelHtmlOptions {
  /** The bundle's URL as the webview sees it (webview.asWebviewUri(...).toString()). */
  scriptUri: string;
  /** webview.cspSource. */
  cspSource: string;
  /** A fresh random nonce per page (makeNonce()). */
  nonce: string;
  title: string;
}

export function panelHtml(o: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce)) throw new Error('panelHtml: the nonce must be at least 16 letters, digits or base64 characters.');
  // VS Code gives e.g. `'self' https://*.vscode-cdn.net`: host sources and 'self', nothing unsafe.
  const sources = o.cspSource.trim().split(/ +/);
  if (!sources.every((src) => src === "'self'" || /^[^\s;'",]+$/.test(src))) throw new Error(`panelHtml: not a CSP source: ${o.cspSource}`);
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(o.title)}</title>
<style nonce="${o.nonce}">${panelCss}</style>
</head>
<body>
<div id="app" role="main" aria-busy="true"></div>
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}

/** 32 random characters for a page's nonce. */
export function makeNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
