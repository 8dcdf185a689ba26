// Runs inside VS Code's extension host (loaded by @vscode/test-electron). The same scenarios as
// the code-server end-to-end suite, through the VS Code API instead of the screen.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const vscode = require('vscode');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeout = 60000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const lensTitles = async (uri) => ((await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title ?? '');

const scenarios = {
  async 'lenses equal arl eval'({ uri, file }) {
    const root = path.join(__dirname, '../..');
    const out = JSON.parse(execFileSync(process.execPath, [path.join(root, 'dist/arl.cjs'), 'eval', file, '--json'], { encoding: 'utf8' }));
    const titles = await until('lenses', async () => {
      const t = await lensTitles(uri);
      return t.filter((x) => x.includes('F1')).length >= 4 ? t : undefined;
    });
    for (const r of out.scores.rules) assert.ok(titles.some((t) => t.includes(`TP ${r.tp} FP ${r.fp} FN ${r.fn}`)), `lens for ${r.name}`);
  },
  async 'syntax error appears and goes away'({ uri, editor, doc }) {
    const line = doc.getText().split('\n').findIndex((l) => l.includes('rising(oos_ratio, 3)'));
    await editor.edit((e) => e.insert(new vscode.Position(line, doc.lineAt(line).text.length), ' and'));
    await until('an error', async () => vscode.languages.getDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error));
    await vscode.commands.executeCommand('undo');
    await until('no error', async () => !vscode.languages.getDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error));
  },
  async 'threshold change updates the lens'({ uri, editor, doc }) {
    const before = await lensTitles(uri);
    const at = doc.getText().indexOf('oos_ratio >= 80') + 'oos_ratio >= '.length;
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 2)), '20'));
    await until('a changed lens', async () => JSON.stringify(await lensTitles(uri)) !== JSON.stringify(before));
    await vscode.commands.executeCommand('undo');
  },
  async 'offline quick-fix improves the file F1'({ uri, doc }) {
    const f1 = (titles) => Number(/file P [\d.–]+ · R [\d.–]+ · F1 ([\d.]+)/.exec(titles.find((t) => t.includes('series ·')))?.[1]);
    const weakAt = doc.getText().indexOf('oos_ratio >= 45') + 'oos_ratio >= '.length;
    await vscode.window.activeTextEditor.edit((e) => e.replace(new vscode.Range(doc.positionAt(weakAt), doc.positionAt(weakAt + 2)), '5'));
    const good = f1(await lensTitles(uri));
    const before = await until('a weaker file F1', async () => {
      const f = f1(await lensTitles(uri));
      return f < good ? f : undefined;
    });
    const at = doc.positionAt(doc.getText().indexOf('rule escalating') + 6);
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, new vscode.Range(at, at));
    const tune = actions.find((a) => /file point F1: train [\d.]+ -> [\d.]+, validation [\d.]+ -> [\d.]+/.test(a.title) && a.edit);
    assert.ok(tune, `a proposal among: ${actions.map((a) => a.title).join(' | ')}`);
    await vscode.workspace.applyEdit(tune.edit);
    await until('a better file F1', async () => f1(await lensTitles(uri)) > before);
    await vscode.commands.executeCommand('undo');
    await vscode.commands.executeCommand('undo');
  },
  async 'preview opens beside the editor'() {
    await vscode.commands.executeCommand('arl.previewRule');
    await until('the preview tab', async () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview)));
  },
  async 'hover shows a distribution'({ uri, doc }) {
    const at = doc.positionAt(doc.getText().indexOf('oos_ratio >= 80') + 2);
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, at);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /p50/);
  },
};

async function run() {
  const file = path.join(process.env.ARL_TEST_WORKSPACE, 'stockout.arl');
  const uri = vscode.Uri.file(file);
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc);
  let failed = 0;
  for (const [name, fn] of Object.entries(scenarios)) {
    try {
      await fn({ uri, file, doc, editor });
      console.log(`ok    ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${name}: ${e.stack ?? e}`);
    }
  }
  if (failed) throw new Error(`${failed} scenario(s) failed`);
}

module.exports = { run };
