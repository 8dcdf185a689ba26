// Fused evaluation of element-wise expressions: a tree of arithmetic, comparisons and Kleene logic
// over columns becomes one loop, compiled once per shape. Only operator names from a fixed table
// and argument indexes reach the generated code: column values and constants are arguments, so
// no text from a rule file (or from an LLM) is ever part of it.
import type { PlanNode } from './plan';

type Kernel = (n: number, inputs: (Float64Array | Uint8Array | number)[], out: Float64Array | Uint8Array) => void;

const elementwise = new Set(['neg', 'not', 'arith', 'cmp', 'logic']);
const arithOps: Record<string, string> = { '+': '+', '-': '-', '*': '*' };
const cmpOps: Record<string, string> = { '<': '<', '<=': '<=', '>': '>', '>=': '>=', '==': '===' };

export function isElementwise(node: PlanNode): boolean {
  return elementwise.has(node.op);
}

/** Whether a node heads a fused loop: element-wise, with an element-wise operand to fuse. */
export function isFusable(node: PlanNode): boolean {
  return isElementwise(node) && node.args.some(isElementwise);
}

/**
 * Most operators in one fused loop. Past it, the remaining element-wise nodes are computed as
 * leaves (each a fused loop of its own, cached), so generated code stays small however large
 * the plan is.
 */
export const maxFused = 64;

interface Shape {
  code: string;
  /** The element-wise nodes the loop computes. */
  region: Set<PlanNode>;
  /** Leaves in argument order: columns, calls and constants (read where used: `n0a[i]`, `n1c`). */
  leaves: PlanNode[];
}

/**
 * The loop body of a fused region. The plan is a DAG (a let used twice is one node): the region
 * is collected once per node, a node used more than once becomes a local computed once per
 * point, and nothing is expanded as a tree. Kleene `and` / `or` skip their second operand when
 * the first decides (false, true): operands are pure, so the value is the same, and most points
 * then read fewer columns.
 */
function shapeOf(root: PlanNode, leafHere?: (node: PlanNode) => boolean): Shape {
  // The region: element-wise nodes reachable from the root through element-wise nodes (but those
  // the caller takes as leaves).
  const uses = new Map<PlanNode, number>();
  const region = new Set<PlanNode>([root]);
  const queue = [root];
  for (let q = 0; q < queue.length; q++) {
    for (const a of queue[q].args) {
      uses.set(a, (uses.get(a) ?? 0) + 1);
      if (region.has(a) || !isElementwise(a) || region.size >= maxFused || leafHere?.(a)) continue;
      region.add(a);
      queue.push(a);
    }
  }
  const leaves: PlanNode[] = [];
  const leafIndex = new Map<string, number>();
  const named = new Map<PlanNode, string>();
  let temps = 0;
  const leaf = (n: PlanNode): string => {
    let k = leafIndex.get(n.key);
    if (k === undefined) {
      k = leaves.length;
      leafIndex.set(n.key, k);
      leaves.push(n);
    }
    const name = `${n.kind === 'boolean' ? 'b' : 'n'}${k}`;
    return n.op === 'num' || n.op === 'bool' ? `${name}c` : `${name}a[i]`;
  };
  // Nodes used more than once are computed first, once per point, children before parents (so
  // an operand that is skipped never leaves one of them unset).
  const order: PlanNode[] = [];
  const placed = new Set<PlanNode>();
  const place = (n: PlanNode): void => {
    if (placed.has(n) || !region.has(n)) return;
    placed.add(n);
    for (const a of n.args) place(a);
    if (n !== root && (uses.get(n) ?? 0) >= 2) order.push(n);
  };
  place(root);
  // `code` returns an expression; `and` / `or` append statements to `out` and return a local.
  const code = (n: PlanNode, out: string[]): string => {
    if (!region.has(n)) return leaf(n);
    const done = named.get(n);
    if (done) return done;
    return n.kind === 'boolean' ? bool(n, out) : num(n, out);
  };
  const num = (n: PlanNode, out: string[]): string => {
    switch (n.op) {
      case 'neg':
        return `(-${code(n.args[0], out)})`;
      case 'arith': {
        const [a, b] = [code(n.args[0], out), code(n.args[1], out)];
        if (n.fn === '/') return `div(${a}, ${b})`;
        const op = arithOps[n.fn];
        if (!op) throw new Error(`unknown operator ${n.fn}`);
        return `(${a} ${op} ${b})`;
      }
      default:
        throw new Error(`not element-wise: ${n.op}`);
    }
  };
  const bool = (n: PlanNode, out: string[]): string => {
    switch (n.op) {
      case 'not':
        return `NOT[${code(n.args[0], out)}]`;
      case 'logic': {
        if (n.fn !== 'and' && n.fn !== 'or') throw new Error(`unknown operator ${n.fn}`);
        const t = `t${temps++}`;
        const a = `t${temps++}`;
        out.push(`let ${t}; const ${a} = ${code(n.args[0], out)};`);
        const inner: string[] = [];
        const b = code(n.args[1], inner);
        // and: false decides, else the larger (1 true, 2 unknown); or: true decides, else
        // 0 | 0 = 0 and unknown otherwise. The same values as the AND3 / OR3 tables.
        const decides = n.fn === 'and' ? 0 : 1;
        const rest = n.fn === 'and' ? `(u === 0 ? 0 : ${a} > u ? ${a} : u)` : `(u === 1 ? 1 : ${a} | u)`;
        out.push(`if (${a} === ${decides}) ${t} = ${decides}; else { ${inner.join(' ')} const u = ${b}; ${t} = ${rest}; }`);
        return t;
      }
      case 'cmp': {
        const [a, b] = [code(n.args[0], out), code(n.args[1], out)];
        if (n.fn === '!=') return `ne(${a}, ${b})`;
        const op = cmpOps[n.fn];
        if (!op) throw new Error(`unknown operator ${n.fn}`);
        return `cmp${Object.keys(cmpOps).indexOf(n.fn)}(${a}, ${b})`;
      }
      default:
        throw new Error(`not element-wise: ${n.op}`);
    }
  };
  const body: string[] = [];
  for (const n of order) {
    const name = `s${named.size}`;
    body.push(`const ${name} = ${code(n, body)};`);
    named.set(n, name);
  }
  body.push(`out[i] = ${code(root, body)};`);
  return { code: body.join(' '), leaves, region };
}

const compiled = new Map<string, Kernel>();

function compile(shape: Shape): Kernel {
  // Constants and columns load differently: both are part of the shape.
  const key = `${shape.code}|${shape.leaves.map((l) => (l.op === 'num' || l.op === 'bool' ? 'c' : 'a')).join('')}`;
  let k = compiled.get(key);
  if (k) return k;
  const loads = shape.leaves
    .map((l, i) => {
      const v = l.op === 'num' || l.op === 'bool' ? `const ${l.kind === 'boolean' ? 'b' : 'n'}${i}c = inputs[${i}];` : `const ${l.kind === 'boolean' ? 'b' : 'n'}${i}a = inputs[${i}];`;
      return v;
    })
    .join('\n');
  const cmpFns = Object.values(cmpOps)
    .map((op, i) => `const cmp${i} = (x, y) => (x !== x || y !== y) ? 2 : (x ${op} y) ? 1 : 0;`)
    .join('\n');
  const src = `"use strict";
const AND = new Uint8Array([0, 0, 0, 0, 1, 2, 0, 2, 2]);
const OR = new Uint8Array([0, 1, 2, 1, 1, 1, 2, 1, 2]);
const NOT = new Uint8Array([1, 0, 2]);
const div = (x, y) => (y === 0 ? NaN : x / y);
const ne = (x, y) => (x !== x || y !== y) ? 2 : (x !== y ? 1 : 0);
${cmpFns}
return function fused(n, inputs, out) {
${loads}
for (let i = 0; i < n; i++) { ${shape.code} }
};`;
  k = new Function(src)() as Kernel;
  // Shapes come and go as rules are edited: keep the most recent ones.
  if (compiled.size >= 2000) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, k);
  return k;
}

/** The loop of a fused region, ready to run over the values of its leaves. */
export interface FusedLoop {
  /** Leaves in the order `run` takes their values (constants as numbers, the others as columns). */
  leaves: PlanNode[];
  /** The element-wise nodes the loop computes, the root among them. */
  region: Set<PlanNode>;
  /** The same for every loop of this shape on the same columns, whatever its constants. */
  template: string;
  run(n: number, inputs: (Float64Array | Uint8Array | number)[], out: Float64Array | Uint8Array): void;
}

/** The loop of the region under `root`; `leafHere` makes an element-wise node below the root a leaf too. */
export function fusedLoop(root: PlanNode, leafHere?: (node: PlanNode) => boolean): FusedLoop {
  const shape = shapeOf(root, leafHere);
  const kernel = compile(shape);
  const constant = (l: PlanNode) => l.op === 'num' || l.op === 'bool';
  return {
    leaves: shape.leaves,
    region: shape.region,
    template: `${shape.code}|${shape.leaves.map((l) => (constant(l) ? 'c' : l.key)).join('|')}`,
    run: kernel,
  };
}

/** Evaluates an element-wise tree in one pass; `leaf` supplies the values of its leaves. */
export function evaluateFused(root: PlanNode, n: number, leaf: (node: PlanNode) => Float64Array | Uint8Array | number): Float64Array | Uint8Array {
  const shape = shapeOf(root);
  const kernel = compile(shape);
  const inputs = shape.leaves.map(leaf);
  const out = root.kind === 'boolean' ? new Uint8Array(n) : new Float64Array(n);
  kernel(n, inputs, out);
  return out;
}
