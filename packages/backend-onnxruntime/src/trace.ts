import type { OnnxDType, OnnxGraph } from './onnx-graph.js';

/**
 * The recorded computation. Every interface op returns a handle whose source is an `OpNode`
 * (recorded, not run); uploaded and computed values are `Leaf`s. `download` collects the nodes a
 * result depends on into one ONNX graph, so a whole forward pass runs as one ONNX Runtime session
 * traced from the model's own code.
 */

/** The typed array behind a leaf, matching its dtype. */
export type LeafData = Float32Array | Int32Array | BigInt64Array;

/** Host data: a graph input, bound to the array without a copy. */
export class Leaf {
  readonly kind = 'leaf';
  readonly dtype: OnnxDType;
  readonly shape: readonly number[];
  readonly data: LeafData;

  constructor(dtype: OnnxDType, shape: readonly number[], data: LeafData) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }
}

/**
 * Emits the ONNX nodes of one recorded op into `graph`, given its inputs' value names, and returns
 * the name of its output. It must depend only on the op's `signature` (static shapes and
 * attributes), because graphs are cached by signature and reused for other data.
 */
export type Lowering = (graph: OnnxGraph, inputs: readonly string[]) => string;

/** One recorded op: static signature, inputs, output shape and how to lower it. */
export class OpNode {
  readonly kind = 'op';
  readonly signature: string;
  readonly inputs: readonly Source[];
  readonly shape: readonly number[];
  readonly lower: Lowering;

  constructor(
    signature: string,
    inputs: readonly Source[],
    shape: readonly number[],
    lower: Lowering,
  ) {
    this.signature = signature;
    this.inputs = inputs;
    this.shape = shape;
    this.lower = lower;
  }
}

export type Source = Leaf | OpNode;

/** The graph a set of outputs needs, in a canonical order, and its cache key. */
export interface TracedGraph {
  /** Identifies the graph's structure (ops, shapes, attributes, wiring), never its data. */
  readonly key: string;
  /** Graph inputs in declaration order. */
  readonly leaves: readonly Leaf[];
  /** Ops in topological order (inputs before users). */
  readonly ops: readonly OpNode[];
  readonly outputs: readonly OpNode[];
}

/**
 * Collects the ops and leaves `outputs` depend on. The order is a deterministic post-order walk
 * from the outputs, so the same program traced twice yields the same key and the same input
 * order, whatever the data.
 */
export function traceGraph(outputs: readonly OpNode[]): TracedGraph {
  const leafIndex = new Map<Leaf, number>();
  const opIndex = new Map<OpNode, number>();
  const leaves: Leaf[] = [];
  const ops: OpNode[] = [];
  const parts: string[] = [];
  const ref = (s: Source): string =>
    s.kind === 'leaf' ? `L${leafIndex.get(s)}` : `N${opIndex.get(s)}`;
  // Iterative post-order (a forward is a few hundred nodes deep through the residual stream).
  const stack: { node: OpNode; next: number }[] = [];
  const visit = (root: OpNode) => {
    if (opIndex.has(root)) return;
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.inputs.length) {
        const input = top.node.inputs[top.next++]!;
        if (input.kind === 'leaf') {
          if (!leafIndex.has(input)) {
            leafIndex.set(input, leaves.length);
            leaves.push(input);
            parts.push(`L:${input.dtype}[${input.shape.join(',')}]`);
          }
        } else if (!opIndex.has(input)) {
          stack.push({ node: input, next: 0 });
        }
        continue;
      }
      stack.pop();
      if (opIndex.has(top.node)) continue;
      opIndex.set(top.node, ops.length);
      ops.push(top.node);
      parts.push(`${top.node.signature}(${top.node.inputs.map(ref).join(',')})`);
    }
  };
  for (const o of outputs) visit(o);
  parts.push(`out(${outputs.map(ref).join(',')})`);
  return { key: parts.join(';'), leaves, ops, outputs };
}

/** Writes a traced graph as ONNX: one input per leaf, the ops lowered in order, the outputs. */
export function lowerGraph(traced: TracedGraph, graph: OnnxGraph): void {
  const names = new Map<Source, string>();
  for (const leaf of traced.leaves) names.set(leaf, graph.input(leaf.dtype, leaf.shape));
  for (const op of traced.ops) {
    names.set(
      op,
      op.lower(
        graph,
        op.inputs.map((i) => names.get(i)!),
      ),
    );
  }
  for (const out of traced.outputs) graph.output(names.get(out)!, 'float32', out.shape);
}

/** Whether `target` is reachable from any of `roots` (used to decide copy-on-write). */
export function reaches(roots: Iterable<OpNode>, target: Leaf): boolean {
  const seen = new Set<OpNode>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const i of n.inputs) {
      if (i === target) return true;
      if (i.kind === 'op') stack.push(i);
    }
  }
  return false;
}
