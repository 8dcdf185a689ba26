// Fused evaluation of element-wise expressions: a tree of arithmetic, comparisons and Kleene logic
// over columns becomes one loop, compiled once per shape. Only operator names from a fixed table
// and argument indexes reach the generated code: column values and constants are arguments, so
// no text from a rule file (or from an LLM) is ever part of it.
import type { PlanNode } from './plan';
import { flagColumn, numberColumn, type Outputs } from './pool';

type Kernel = (n: number, inputs: (Float64Array | Uint8Array | number)[], outs: (Float64Array | Uint8Array)[]) => void;

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
  /** Leaves in argument order: columns, calls and constants (each read into a local per point). */
  leaves: PlanNode[];
  /** Roots, each written to an output. */
  outs: number;
}

/**
 * The element-wise nodes reachable from a root through element-wise nodes, at most maxFused
 * (but those `leafHere` takes as leaves).
 */
function regionOf(root: PlanNode, leafHere?: (node: PlanNode) => boolean): Set<PlanNode> {
  const region = new Set<PlanNode>([root]);
  const queue = [root];
  for (let q = 0; q < queue.length; q++) {
    for (const a of queue[q].args) {
      if (region.has(a) || !isElementwise(a) || region.size >= maxFused || leafHere?.(a)) continue;
      region.add(a);
      queue.push(a);
    }
  }
  return region;
}

/**
 * The loop body of a fused region, without a branch on the data. The plan is a DAG (a let used
 * twice is one node): each node of the region is one local, computed once per point, children
 * first. Conditions are held in the loop as two bits, "can be true" (2) and "cannot be false"
 * (1): false 0, unknown 2, true 3. Kleene `and` can be true where both can, and cannot be false
 * where neither can: it is `a & b`; `or` is `a | b`; `not` swaps the bits and flips them. A
 * comparison is true or false, or unknown (2) where an operand is missing. A condition column
 * (0 false, 1 true, 2 unknown) is read as v | (v & 1) << 1 and written back as v & ~(v << 1). So
 * `and` and `or` are one operation each and comparisons a few: no jump depends on the values,
 * which on real data (noisy, near the thresholds) mispredict often. (With "can be false" for the
 * low bit, as before, `and` and `or` took five operations; the loop of the stock-out example's
 * rules was about a tenth slower.)
 */
function shapeOf(roots: PlanNode[], region: Set<PlanNode>): Shape {
  const leaves: PlanNode[] = [];
  const leafIndex = new Map<string, number>();
  const local = new Map<PlanNode, string>();
  // Locals never missing: number constants that are not NaN (a comparison with them checks only the other side).
  const present = new Set<string>();
  const body: string[] = [];
  // A leaf's value in the loop: numbers as they are, conditions plus one (see above); a column is
  // read once per point, into a local.
  const leaf = (n: PlanNode): string => {
    let k = leafIndex.get(n.key);
    if (k === undefined) {
      k = leaves.length;
      leafIndex.set(n.key, k);
      leaves.push(n);
      const name = `${n.kind === 'boolean' ? 'b' : 'n'}${k}`;
      const v = n.op === 'num' || n.op === 'bool' ? `${name}c` : `${name}a[i]`;
      if (n.kind === 'boolean') body.push(`const r${k} = ${v};`, `const l${k} = r${k} | ((r${k} & 1) << 1);`);
      else body.push(`const l${k} = ${v};`);
      if (n.op === 'num' && n.value === n.value) present.add(`l${k}`);
    }
    return `l${k}`;
  };
  const value = (n: PlanNode): string => local.get(n) ?? leaf(n);
  // Children before parents, each node once (an explicit stack: regions hold at most maxFused nodes).
  const visit = (top: PlanNode): void => {
    const stack: [PlanNode, boolean][] = [[top, false]];
    while (stack.length) {
      const [n, ready] = stack.pop()!;
      if (local.has(n) || !region.has(n)) continue;
      if (!ready) {
        stack.push([n, true]);
        for (let k = n.args.length - 1; k >= 0; k--) stack.push([n.args[k], false]);
        continue;
      }
      const name = `s${local.size}`;
      body.push(`const ${name} = ${expression(n, n.args.map(value), present)};`);
      local.set(n, name);
    }
  };
  // Each root into its output: a condition back to 0 false, 1 true, 2 unknown.
  roots.forEach((root, k) => {
    visit(root);
    const v = local.get(root)!;
    body.push(`out${k}[i] = ${root.kind === 'boolean' ? `${v} & ~(${v} << 1)` : v};`);
  });
  return { code: body.join(' '), leaves, outs: roots.length };
}

/** One node's value from its operands' locals (conditions as bits, see shapeOf); `present`: locals never missing. */
function expression(n: PlanNode, [a, b]: string[], present: Set<string>): string {
  switch (n.op) {
    case 'neg':
      return `-${a}`;
    case 'arith': {
      if (n.fn === '/') return `div(${a}, ${b})`;
      const op = arithOps[n.fn];
      if (!op) throw new Error(`unknown operator ${n.fn}`);
      return `${a} ${op} ${b}`;
    }
    case 'not':
      return `((((${a} & 1) << 1) | (${a} >> 1)) ^ 3)`;
    case 'logic':
      if (n.fn === 'and') return `(${a} & ${b})`;
      if (n.fn === 'or') return `(${a} | ${b})`;
      throw new Error(`unknown operator ${n.fn}`);
    case 'cmp': {
      // Missing operands make every comparison false but `!=`, whose truth is then cleared: unknown (2) either way.
      const checks = [a, b].filter((x) => !present.has(x)).map((x) => `+(${x} !== ${x})`);
      const missing = checks.length ? `(${checks.join(' | ')})` : '';
      if (n.fn === '!=') return missing ? `(((+(${a} !== ${b}) * 3) & ~${missing}) | (${missing} << 1))` : `(+(${a} !== ${b}) * 3)`;
      const op = cmpOps[n.fn];
      if (!op) throw new Error(`unknown operator ${n.fn}`);
      return missing ? `((+(${a} ${op} ${b}) * 3) | (${missing} << 1))` : `(+(${a} ${op} ${b}) * 3)`;
    }
    default:
      throw new Error(`not element-wise: ${n.op}`);
  }
}

const compiled = new Map<string, Kernel>();

function compile(shape: Shape): Kernel {
  // Constants and columns load differently: both are part of the shape.
  const key = `${shape.code}|${shape.leaves.map((l) => (l.op === 'num' || l.op === 'bool' ? 'c' : 'a')).join('')}|${shape.outs}`;
  let k = compiled.get(key);
  if (k) return k;
  const loads = shape.leaves
    .map((l, i) => {
      const v = l.op === 'num' || l.op === 'bool' ? `const ${l.kind === 'boolean' ? 'b' : 'n'}${i}c = inputs[${i}];` : `const ${l.kind === 'boolean' ? 'b' : 'n'}${i}a = inputs[${i}];`;
      return v;
    })
    .join('\n');
  const outs = Array.from({ length: shape.outs }, (_, k) => `const out${k} = outs[${k}];`).join('\n');
  const src = `"use strict";
const div = (x, y) => (y === 0 ? NaN : x / y);
return function fused(n, inputs, outs) {
${loads}
${outs}
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
  const region = regionOf(root, leafHere);
  const shape = shapeOf([root], region);
  const kernel = compile(shape);
  const constant = (l: PlanNode) => l.op === 'num' || l.op === 'bool';
  return {
    leaves: shape.leaves,
    region,
    template: `${shape.code}|${shape.leaves.map((l) => (constant(l) ? 'c' : l.key)).join('|')}`,
    run: (n, inputs, out) => kernel(n, inputs, [out]),
  };
}

/** Evaluates an element-wise tree in one pass; `leaf` supplies the values of its leaves. */
export function evaluateFused(root: PlanNode, L: Outputs, leaf: (node: PlanNode) => Float64Array | Uint8Array | number): Float64Array | Uint8Array {
  let loop = single.get(root);
  if (!loop) single.set(root, (loop = planOf([root], regionOf(root))));
  return run(loop, L, leaf)[0];
}

/**
 * Evaluates several element-wise trees in one pass per group of them (a block's declarations:
 * their columns are read once per point, and what they share is computed once). A group's
 * region holds at most maxFused operators, as one tree's does.
 */
export function evaluateFusedMany(roots: PlanNode[], L: Outputs, leaf: (node: PlanNode) => Float64Array | Uint8Array | number): (Float64Array | Uint8Array)[] {
  return groupsOf(roots).flatMap((g) => run(g, L, leaf));
}

/** Roots of one loop, with its shape and compiled kernel. */
interface Planned {
  roots: PlanNode[];
  shape: Shape;
  kernel: Kernel;
}

// Plans do not change once compiled, and evaluation by blocks runs the same trees block after
// block: each tree's loop, and each list of trees' groups, are made once (by their first tree).
const single = new WeakMap<PlanNode, Planned>();
const grouped = new WeakMap<PlanNode, { trees: PlanNode[]; groups: Planned[] }>();

function planOf(roots: PlanNode[], region: Set<PlanNode>): Planned {
  const shape = shapeOf(roots, region);
  return { roots, shape, kernel: compile(shape) };
}

function groupsOf(roots: PlanNode[]): Planned[] {
  if (!roots.length) return [];
  const hit = grouped.get(roots[0]);
  if (hit && hit.trees.length === roots.length && hit.trees.every((t, k) => t === roots[k])) return hit.groups;
  const groups: Planned[] = [];
  let group: PlanNode[] = [];
  let region = new Set<PlanNode>();
  const flush = () => {
    if (group.length) groups.push(planOf(group, region));
    group = [];
    region = new Set();
  };
  for (const root of roots) {
    const own = regionOf(root);
    let size = region.size;
    for (const n of own) if (!region.has(n)) size++;
    if (size > maxFused) flush();
    group.push(root);
    for (const n of own) region.add(n);
  }
  flush();
  grouped.set(roots[0], { trees: [...roots], groups });
  return groups;
}

function run(p: Planned, L: Outputs, leaf: (node: PlanNode) => Float64Array | Uint8Array | number): (Float64Array | Uint8Array)[] {
  const inputs = p.shape.leaves.map(leaf);
  const outs = p.roots.map((root) => (root.kind === 'boolean' ? flagColumn(L) : numberColumn(L)));
  p.kernel(L.length, inputs, outs);
  return outs;
}
