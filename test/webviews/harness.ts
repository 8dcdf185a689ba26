// A stand-in VS Code for the webviews: serves a panel page (panelHtml, with its real Content
// Security Policy) and its bundle from 127.0.0.1, replaces acquireVsCodeApi with a recorder, and
// lets a test play the host.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeNonce, panelHtml } from '../../webviews/src/html';

export const distDir = fileURLToPath(new URL('../../dist/webviews/', import.meta.url));

export interface Panel {
  page: Page;
  /** Messages the page posted, in order. */
  posted: unknown[];
  /** CSP violations reported by the page. */
  violations: () => Promise<string[]>;
  /** Posts a message to the page as the host does. */
  send(message: unknown): Promise<void>;
  state(): Promise<unknown>;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

function serve(bundle: string, title: string): Promise<{ server: Server; url: string }> {
  const nonce = makeNonce();
  const server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(panelHtml({ scriptUri: `${origin}/${bundle}`, cspSource: origin, nonce, title }));
    } else if (req.url === `/${bundle}`) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(readFileSync(distDir + bundle));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })));
}

/**
 * Opens a panel page. `onMessage` plays the host: it gets every message the page posts and may
 * answer through `panel.send`. `state` is what getState returns at start (a re-shown panel).
 */
export async function openPanel(
  browser: Browser,
  bundle: string,
  onMessage: (m: unknown, panel: Panel) => void | Promise<void>,
  opts: { state?: unknown; bodyClass?: string; vars?: Record<string, string>; width?: number; height?: number } = {},
): Promise<Panel> {
  const { server, url } = await serve(bundle, 'ARL test');
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1100, height: opts.height ?? 800 } });
  const posted: unknown[] = [];
  const panel: Panel = {
    page,
    posted,
    violations: () => page.evaluate('window.__violations') as Promise<string[]>,
    send: async (m) => {
      await page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
    },
    state: () => page.evaluate('window.__state'),
    close: async () => {
      await page.close();
      await new Promise((r) => server.close(r));
    },
  };
  await page.exposeFunction('__toHost', (m: unknown) => {
    posted.push(m);
    Promise.resolve(onMessage(m, panel)).catch((e) => console.error('host stand-in:', e));
  });
  // A string, not a function: transpilers may add helpers to a function's source.
  await page.addInitScript(`
    window.__violations = [];
    window.__state = ${JSON.stringify(opts.state ?? null)} ?? undefined;
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__toHost(m),
      getState: () => window.__state,
      setState: (s) => { window.__state = s; },
    });
    // As VS Code does: a class on <body> and the theme's colours as CSS variables (set through
    // CSSOM, which the page's CSP allows).
    document.addEventListener('DOMContentLoaded', () => {
      for (const [k, v] of Object.entries(${JSON.stringify(opts.vars ?? {})})) document.documentElement.style.setProperty(k, v);
      ${opts.bodyClass ? `document.body.classList.add(${JSON.stringify(opts.bodyClass)});` : ''}
    });
  `);
  await page.goto(url);
  return panel;
}

/**
 * Waits until `expr` is true in the page. Polled through page.evaluate: waitForFunction would
 * evaluate a string with eval, which the page's CSP rightly refuses.
 */
export async function until(panel: Panel, expr: string, timeout = 20000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await panel.page.evaluate(`!!(${expr})`))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}
