// The preview's Vega-Lite charts rendered without a browser: SVG, and PNG through resvg
// (`arl plot`, and the plots sent to an LLM for labelling).
import type { VlSpec } from '../../../webviews/src/spec';

/**
 * Loads a package from node_modules at run time. Vega and Vega-Lite are ES modules that the
 * bundles do not include (vega-canvas uses top-level await), and other commands skip the cost.
 */
function load<T>(name: string): Promise<T> {
  return import(name) as Promise<T>;
}

/** Vega-Lite to SVG as the webviews draw it: compiled, parsed to an AST and interpreted (no eval). */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const vega = await load<typeof import('vega')>('vega');
  const vl = await load<typeof import('vega-lite')>('vega-lite');
  const { expressionInterpreter } = await load<typeof import('vega-interpreter')>('vega-interpreter');
  const runtime = vega.parse(vl.compile(spec as unknown as import('vega-lite').TopLevelSpec).spec, undefined, { ast: true });
  const view = new vega.View(runtime, { renderer: 'none', expr: expressionInterpreter });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** An SVG as PNG, at `zoom` times its size. */
export async function svgToPng(svg: string, zoom = 2): Promise<Uint8Array> {
  const { Resvg } = await load<typeof import('@resvg/resvg-js')>('@resvg/resvg-js');
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: zoom } }).render().asPng();
}
