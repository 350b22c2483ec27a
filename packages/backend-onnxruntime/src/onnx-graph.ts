import onnxProto, { type onnx } from 'onnx-proto';

const { onnx: proto } = onnxProto;

/** Element types the graphs use. */
export type OnnxDType = 'float32' | 'int32' | 'int64';

const DATA_TYPE: Record<OnnxDType, number> = {
  float32: proto.TensorProto.DataType.FLOAT,
  int32: proto.TensorProto.DataType.INT32,
  int64: proto.TensorProto.DataType.INT64,
};

/** A node attribute, typed explicitly (ONNX distinguishes int from float attributes). */
export type OnnxAttribute =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] };

/** The default-domain opset the graphs are written for (ONNX Runtime ≥ 1.14 runs it). */
export const OPSET = 17;
/** IR version 8 (ONNX 1.13+), the newest the `onnx-proto` definitions know. */
const IR_VERSION = 8;

function attributeProto(name: string, value: OnnxAttribute): onnx.IAttributeProto {
  const T = proto.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.INTS, ints: [...value.ints] };
}

function valueInfo(name: string, dtype: OnnxDType, shape: readonly number[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[dtype],
        shape: { dim: shape.map((d) => ({ dimValue: d })) },
      },
    },
  };
}

function littleEndianBytes(dtype: OnnxDType, values: readonly number[]): Uint8Array {
  if (dtype === 'int64') {
    const out = new BigInt64Array(values.length);
    values.forEach((v, i) => {
      out[i] = BigInt(v);
    });
    return new Uint8Array(out.buffer);
  }
  const out = dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
  return new Uint8Array(out.buffer);
}

/**
 * Writes one ONNX model: graph inputs, constant initializers (deduplicated by value), nodes with
 * one output each, and graph outputs; `encode()` serialises it with the `onnx-proto` definitions
 * of onnx.proto. Names are generated (`v0`, `v1`, …), so two graphs built by the same sequence of
 * calls are byte-identical.
 */
export class OnnxGraph {
  readonly #nodes: onnx.INodeProto[] = [];
  readonly #inputs: onnx.IValueInfoProto[] = [];
  readonly #outputs: onnx.IValueInfoProto[] = [];
  readonly #initializers: onnx.ITensorProto[] = [];
  readonly #constants = new Map<string, string>();
  #next = 0;

  #name(prefix: string): string {
    return `${prefix}${this.#next++}`;
  }

  /** Declares a graph input and returns its name. */
  input(dtype: OnnxDType, shape: readonly number[]): string {
    const name = this.#name('in');
    this.#inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** A constant tensor (an initializer, shared by every node that asks for the same value). */
  constant(dtype: OnnxDType, shape: readonly number[], values: readonly number[]): string {
    const key = `${dtype}|${shape.join(',')}|${values.join(',')}`;
    const known = this.#constants.get(key);
    if (known !== undefined) return known;
    const name = this.#name('c');
    this.#initializers.push({
      name,
      dataType: DATA_TYPE[dtype],
      dims: [...shape],
      rawData: littleEndianBytes(dtype, values),
    });
    this.#constants.set(key, name);
    return name;
  }

  /** A 1-D int64 constant: shapes, axes, slice bounds. */
  ints(values: readonly number[]): string {
    return this.constant('int64', [values.length], values);
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.constant('float32', [], [value]);
  }

  /** Appends a node with one output and returns the output's name. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, OnnxAttribute>> = {},
  ): string {
    const output = this.#name('v');
    this.#nodes.push({
      opType,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([k, v]) => attributeProto(k, v)),
    });
    return output;
  }

  /** Appends a node with several outputs (e.g. Split) and returns their names. */
  nodeWithOutputs(
    opType: string,
    inputs: readonly string[],
    outputs: number,
    attributes: Readonly<Record<string, OnnxAttribute>> = {},
  ): string[] {
    const names = Array.from({ length: outputs }, () => this.#name('v'));
    this.#nodes.push({
      opType,
      input: [...inputs],
      output: names,
      attribute: Object.entries(attributes).map(([k, v]) => attributeProto(k, v)),
    });
    return names;
  }

  /** Marks `value` as a graph output of the given type and shape. */
  output(value: string, dtype: OnnxDType, shape: readonly number[]): void {
    // A graph output may not also be a graph input or an initializer: route it through Identity.
    const isSource =
      this.#inputs.some((i) => i.name === value) ||
      this.#initializers.some((i) => i.name === value) ||
      this.#outputs.some((o) => o.name === value);
    const name = isSource ? this.node('Identity', [value]) : value;
    this.#outputs.push(valueInfo(name, dtype, shape));
  }

  get outputNames(): string[] {
    return this.#outputs.map((o) => o.name!);
  }

  get inputNames(): string[] {
    return this.#inputs.map((i) => i.name!);
  }

  get nodeCount(): number {
    return this.#nodes.length;
  }

  /** The serialised ModelProto. */
  encode(): Uint8Array {
    return proto.ModelProto.encode({
      irVersion: IR_VERSION,
      producerName: '@meerkat/backend-onnxruntime',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: 'meerkat',
        node: this.#nodes,
        input: this.#inputs,
        output: this.#outputs,
        initializer: this.#initializers,
      },
    }).finish();
  }
}
