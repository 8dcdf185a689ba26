// Counting what an SVG made by Vega draws.

/** Marks drawn by the named layer (`<g class="... name_marks">` holds one element per mark). */
export function marks(svg: string, name: string): number {
  const open = svg.indexOf(` ${name}_marks"`);
  if (open < 0) return 0;
  const start = svg.indexOf('>', open) + 1;
  if (svg[start - 2] === '/') return 0;
  // The group's children run to its closing tag; marks are flat elements inside it.
  let depth = 1;
  let count = 0;
  const re = /<(\/?)(g|path|line|rect|text)\b[^>]*?(\/?)>/g;
  re.lastIndex = start;
  for (let m = re.exec(svg); m && depth > 0; m = re.exec(svg)) {
    if (m[1]) depth--;
    else {
      if (depth === 1) count++;
      if (!m[3]) depth++;
    }
  }
  return count;
}
