/**
 * A small builder of ONNX graphs over the `onnx-proto` message classes (protobufjs): nodes
 * with unique output names, float and bool initializers, and the encoded ModelProto.
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

type Attribute = number | number[];

/** ONNX element types used here (TensorProto.DataType). */
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const BOOL = onnx.TensorProto.DataType.BOOL;
const INT8 = onnx.TensorProto.DataType.INT8;
/** The `to` attribute of Cast for float32. */
export const CAST_TO_FLOAT = FLOAT;

export class OnnxGraph {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private counter = 0;

  /** Adds a node; returns its (single) output, named `output` or `name` plus a number. */
  node(
    opType: string,
    inputs: string[],
    name: string,
    attributes: Record<string, Attribute> = {},
    output = `${name}_${++this.counter}`,
  ): string {
    const attribute = Object.entries(attributes).map(([key, value]) =>
      typeof value === "number"
        ? { name: key, type: onnx.AttributeProto.AttributeType.INT, i: value }
        : { name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: value },
    );
    this.nodes.push(
      onnx.NodeProto.create({ opType, input: inputs, output: [output], name: output, attribute }),
    );
    return output;
  }

  /** A float32 constant of the given dims (little-endian raw data). */
  floats(name: string, dims: number[], values: ArrayLike<number>): string {
    const raw = new Uint8Array(4 * values.length);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    return this.initializer(name, dims, FLOAT, raw);
  }

  /** An int8 constant (one byte per value). */
  int8s(name: string, dims: number[], values: ArrayLike<number>): string {
    return this.initializer(
      name,
      dims,
      INT8,
      Uint8Array.from(values, (v) => v & 0xff),
    );
  }

  /** A bool constant (one byte per value). */
  bools(name: string, dims: number[], values: ArrayLike<number>): string {
    return this.initializer(
      name,
      dims,
      BOOL,
      Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0)),
    );
  }

  private initializer(name: string, dims: number[], dataType: number, rawData: Uint8Array): string {
    const unique = `${name}_${++this.counter}`;
    this.initializers.push(onnx.TensorProto.create({ name: unique, dims, dataType, rawData }));
    return unique;
  }

  /**
   * The serialized ModelProto: float input `input` of shape [N, ...dims] and the named outputs
   * (element type and shape given per output; "N" is the symbolic batch size).
   */
  encode(options: {
    input: { name: string; dims: number[] };
    outputs: { name: string; from: string; elemType: "float" | "int64"; dims: number[] }[];
    opset: number;
    producerVersion: string;
    docString: string;
  }): Uint8Array {
    const valueInfo = (name: string, elemType: number, dims: number[]) => ({
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: [{ dimParam: "N" }, ...dims.map((d) => ({ dimValue: d }))] },
        },
      },
    });
    for (const out of options.outputs) this.node("Identity", [out.from], out.name, {}, out.name);
    const int64 = onnx.TensorProto.DataType.INT64;
    const graph = onnx.GraphProto.create({
      name: "bamsprod",
      node: this.nodes,
      initializer: this.initializers,
      input: [valueInfo(options.input.name, FLOAT, options.input.dims)],
      output: options.outputs.map((o) => valueInfo(o.name, o.elemType === "float" ? FLOAT : int64, o.dims)),
    });
    const model = onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: "", version: options.opset }],
      producerName: "bamsprod",
      producerVersion: options.producerVersion,
      docString: options.docString,
      graph,
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
