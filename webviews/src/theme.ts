// Colours and fonts of the plots. In a webview they come from VS Code's theme variables, read at
// render time; `arl plot` (no editor) uses lightTheme.

export interface Theme {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  foreground: string;
  background: string;
  /** Secondary text: axis titles, threshold labels. */
  muted: string;
  grid: string;
  red: string;
  green: string;
  blue: string;
  yellow: string;
  orange: string;
  purple: string;
  font: string;
  fontSize: number;
}

export const lightTheme: Theme = {
  kind: 'light',
  foreground: '#3b3b3b',
  background: '#ffffff',
  muted: '#717171',
  grid: '#e5e5e5',
  red: '#e51400',
  green: '#388a34',
  blue: '#1a85ff',
  yellow: '#bf8803',
  orange: '#d18616',
  purple: '#652d90',
  font: 'sans-serif',
  fontSize: 12,
};

export const darkTheme: Theme = {
  ...lightTheme,
  kind: 'dark',
  foreground: '#cccccc',
  background: '#1f1f1f',
  muted: '#9d9d9d',
  grid: '#3c3c3c',
  red: '#f14c4c',
  green: '#89d185',
  blue: '#3794ff',
  yellow: '#cca700',
  orange: '#d18616',
  purple: '#b180d7',
};

/** The theme variable behind each colour, with the light or dark default when it is unset. */
const variables: Record<Exclude<keyof Theme, 'kind' | 'fontSize'>, string[]> = {
  foreground: ['--vscode-editor-foreground', '--vscode-foreground'],
  background: ['--vscode-editor-background'],
  muted: ['--vscode-descriptionForeground'],
  grid: ['--vscode-contrastBorder', '--vscode-editorWidget-border', '--vscode-panel-border'],
  red: ['--vscode-charts-red'],
  green: ['--vscode-charts-green'],
  blue: ['--vscode-charts-blue'],
  yellow: ['--vscode-charts-yellow'],
  orange: ['--vscode-charts-orange'],
  purple: ['--vscode-charts-purple'],
  font: ['--vscode-font-family'],
};

/** The kind of theme from the classes VS Code puts on <body>. */
export function themeKind(classes: DOMTokenList | string[]): Theme['kind'] {
  const has = (c: string) => (Array.isArray(classes) ? classes.includes(c) : classes.contains(c));
  if (has('vscode-high-contrast-light')) return 'high-contrast-light';
  if (has('vscode-high-contrast')) return 'high-contrast';
  return has('vscode-dark') ? 'dark' : 'light';
}

/** Reads the theme of the page now (call it at each render: the user may switch themes). */
export function readTheme(el: HTMLElement = document.body): Theme {
  const kind = themeKind(el.classList);
  const base = kind === 'dark' || kind === 'high-contrast' ? darkTheme : lightTheme;
  const style = getComputedStyle(el);
  const theme: Theme = { ...base, kind };
  for (const [key, names] of Object.entries(variables) as [keyof typeof variables, string[]][]) {
    for (const name of names) {
      const v = style.getPropertyValue(name).trim();
      if (v) {
        theme[key] = v;
        break;
      }
    }
  }
  // Text at the editor's font size, as the code beside it.
  const size = parseFloat(style.getPropertyValue('--vscode-editor-font-size')) || parseFloat(style.getPropertyValue('--vscode-font-size'));
  if (size > 0) theme.fontSize = size;
  return theme;
}

export function isHighContrast(t: Theme): boolean {
  return t.kind === 'high-contrast' || t.kind === 'high-contrast-light';
}
