// The panels' stylesheet, inlined by panelHtml under the page's nonce. Colours come from the
// VS Code theme variables, so light, dark and high-contrast themes all apply.
export const panelCss = `
:root { color-scheme: light dark; }
body {
  margin: 0; padding: 0 12px 12px;
  color: var(--vscode-foreground); background: var(--vscode-editor-background);
  font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-editor-font-size, var(--vscode-font-size, 13px));
}
h1 { font-size: 1.15em; margin: 10px 0 4px; font-weight: 600; }
h2 { font-size: 1em; margin: 8px 0 4px; font-weight: 600; }
.muted { color: var(--vscode-descriptionForeground); }
.bar { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; margin: 4px 0; }
.stat b { font-variant-numeric: tabular-nums; }
select, button {
  font: inherit; color: var(--vscode-dropdown-foreground); background: var(--vscode-dropdown-background);
  border: 1px solid var(--vscode-dropdown-border, transparent); padding: 2px 4px;
}
button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-button-border, transparent); cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
.layout { display: grid; grid-template-columns: minmax(170px, 240px) minmax(0, 1fr); grid-template-areas: "nav plot"; gap: 12px; align-items: start; }
.layout > nav { grid-area: nav; }
.layout > .plot-area { grid-area: plot; min-width: 0; }
.list { max-height: calc(100vh - 190px); overflow-y: auto; border: 1px solid var(--vscode-panel-border, transparent); }
/* Beside an editor: the plot takes the whole width, the list goes below it. */
@media (max-width: 760px) {
  .layout { grid-template-columns: minmax(0, 1fr); grid-template-areas: "plot" "nav"; }
  .list { max-height: 45vh; }
}
.caption { font-size: 0.92em; margin: 2px 0 4px; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; vertical-align: -0.05em; }
.swatch.peak { background: var(--vscode-charts-orange, #d18616); }
.swatch.base { background: var(--vscode-charts-blue, #1a85ff); }
.plot-area h2 { margin: 0; }
.group-title { position: sticky; top: 0; padding: 3px 6px; font-weight: 600; background: var(--vscode-sideBarSectionHeader-background, var(--vscode-editor-background)); border-bottom: 1px solid var(--vscode-panel-border, transparent); }
.item { display: flex; justify-content: space-between; gap: 8px; padding: 2px 6px 2px 12px; cursor: pointer; font-variant-numeric: tabular-nums; }
.item:hover { background: var(--vscode-list-hoverBackground); }
.item[aria-selected="true"] { color: var(--vscode-list-activeSelectionForeground, HighlightText); background: var(--vscode-list-activeSelectionBackground, Highlight); outline: 1px solid var(--vscode-list-focusOutline, transparent); }
.empty { padding: 2px 12px; }
.chart { width: 100%; }
.chart svg { display: block; max-width: 100%; }
.error { color: var(--vscode-errorForeground); white-space: pre-wrap; margin: 8px 0; }
.keys { margin-top: 6px; }
kbd { font-family: var(--vscode-editor-font-family, monospace); border: 1px solid var(--vscode-panel-border, currentColor); border-radius: 3px; padding: 0 3px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 1px 8px; }
th:first-child, td:first-child { text-align: left; }
.attempts td, .attempts th { border-bottom: 1px solid var(--vscode-panel-border, transparent); }
.attempts tr { cursor: pointer; }
.attempts tr[aria-selected="true"] { color: var(--vscode-list-activeSelectionForeground, HighlightText); background: var(--vscode-list-activeSelectionBackground, Highlight); }
.accepted { color: var(--vscode-charts-green); }
.rejected { color: var(--vscode-charts-red); }
.undone { color: var(--vscode-charts-yellow); }
pre { font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 12px); white-space: pre-wrap; margin: 4px 0; }
.diff { border: 1px solid var(--vscode-panel-border, transparent); padding: 4px 0; }
.diff div { padding: 0 8px; white-space: pre-wrap; }
.diff .add { background: var(--vscode-diffEditor-insertedLineBackground, rgba(155, 185, 85, 0.2)); }
.diff .del { background: var(--vscode-diffEditor-removedLineBackground, rgba(255, 0, 0, 0.2)); }
.diff .add::before { content: "+ "; }
.diff .del::before { content: "- "; }
.diff .same::before { content: "  "; }
`;
