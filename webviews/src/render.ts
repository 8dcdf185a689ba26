// Vega-Lite to a Vega view, without eval: the expression interpreter runs the parsed expressions,
// so the pages need no 'unsafe-eval' in their Content Security Policy.
import * as vega from 'vega';
import { expressionInterpreter } from 'vega-interpreter';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { VlSpec } from './spec';

export function toRuntime(spec: VlSpec): vega.Runtime {
  return vega.parse(compile(spec as unknown as TopLevelSpec).spec, undefined, { ast: true });
}

/** Draws a spec as SVG into `el`, replacing the view drawn there before. */
export async function mountView(el: HTMLElement, spec: VlSpec, previous?: vega.View): Promise<vega.View> {
  previous?.finalize();
  const view = new vega.View(toRuntime(spec), { renderer: 'svg', container: el, hover: true, expr: expressionInterpreter });
  await view.runAsync();
  return view;
}

/** The spec as an SVG document, without a browser (`arl plot`, tests). */
export async function toSvg(spec: VlSpec): Promise<string> {
  const view = new vega.View(toRuntime(spec), { renderer: 'none', expr: expressionInterpreter });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
