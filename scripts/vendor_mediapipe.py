"""Convert MediaPipe's TFLite models (the mediapipe 0.10.21 wheel, Apache-2.0) to ONNX, once.

The default pipeline runs MediaPipe's palm detector, hand-landmark network and BlazePose's
person detector and landmark network; their TFLite
files exist only in that wheel and run only where LiteRT installs (no Python 3.13 wheel). This
script rewrites each graph op by op into an ONNX graph with the same inputs and outputs (NHWC
float32 image in, the TFLite output tensors out), so ONNX Runtime can run it on every supported
Python. Inside the graph activations are NCHW (one transpose at the input); float16 weights
behind DEQUANTIZE are stored as float32. Supported ops: exactly those the vendored models use
(CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, PRELU, LOGISTIC, MEAN, MAX_POOL_2D, PAD,
RESIZE_BILINEAR, RESHAPE, CONCATENATION, DEPTH_TO_SPACE, DEQUANTIZE, DENSIFY of dense-then-CSR
weights); another op stops the conversion with its name. Each model's provenance (source package and version, the TFLite file's sha256, the ONNX
file's sha256, the licence) goes into ``<name>.json`` beside it.

    pip install "tflite==2.18.0" onnx      # the flatbuffer schema and the ONNX writer
    python scripts/vendor_mediapipe.py --out hdr_live/vendor/mediapipe

Agreement with the TFLite originals is tested in ``tests/stages/test_vendored_mediapipe.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import numpy as np

#: (module folder, model name) of the models the pipeline runs.
MODELS = (("palm_detection", "palm_detection_full"), ("hand_landmark", "hand_landmark_full"),
          ("pose_detection", "pose_detection"), ("pose_landmark", "pose_landmark_full"))
MEDIAPIPE_VERSION = "0.10.21"
LICENCE = "Apache-2.0 (MediaPipe, Copyright The MediaPipe Authors)"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Converter:
    """One TFLite subgraph → ONNX nodes and initializers (see the module docstring)."""

    def __init__(self, tfl_model, tflite) -> None:
        self.m, self.tfl = tfl_model, tflite
        self.g = tfl_model.Subgraphs(0)
        self.nodes, self.inits = [], []
        self._init_names: set[str] = set()
        self.const: dict[int, np.ndarray] = {}  # tensor index → value (float32 after dequantize)
        self.nchw: set[int] = set()  # 4D activation tensors held in NCHW
        self.names = {v: k for k, v in tflite.BuiltinOperator.__dict__.items()
                      if not k.startswith("_")}
        for i in range(self.g.TensorsLength()):
            t = self.g.Tensors(i)
            data = tfl_model.Buffers(t.Buffer()).DataAsNumpy()
            if isinstance(data, np.ndarray) and data.size:
                dtype = {tflite.TensorType.FLOAT32: np.float32, tflite.TensorType.FLOAT16: np.float16,
                         tflite.TensorType.INT32: np.int32, tflite.TensorType.INT64: np.int64}[t.Type()]
                values = np.frombuffer(data.tobytes(), dtype)
                self.const[i] = (self._densified(t, values) if t.Sparsity() is not None
                                 else values.reshape(t.ShapeAsNumpy()))

    # -- helpers -----------------------------------------------------------------------------

    def _densified(self, tensor, values: np.ndarray) -> np.ndarray:
        """A sparse constant as a dense array: leading dimensions dense, the last one in CSR
        (the only layout the vendored models use; another stops the conversion)."""
        tfl = self.tfl
        sp = tensor.Sparsity()
        shape = [int(v) for v in tensor.ShapeAsNumpy()]
        dims = [sp.DimMetadata(d) for d in range(sp.DimMetadataLength())]
        if (sp.BlockMapLength() or list(sp.TraversalOrderAsNumpy()) != list(range(len(shape)))
                or any(d.Format() != tfl.DimensionType.DENSE for d in dims[:-1])
                or dims[-1].Format() != tfl.DimensionType.SPARSE_CSR):
            raise ValueError("unsupported sparse layout (dense dimensions then one CSR "
                             "dimension, no blocks, are)")

        def vector(kind, table):
            cls = {tfl.SparseIndexVector.Int32Vector: tfl.Int32Vector,
                   tfl.SparseIndexVector.Uint16Vector: tfl.Uint16Vector,
                   tfl.SparseIndexVector.Uint8Vector: tfl.Uint8Vector}[kind]
            v = cls()
            v.Init(table.Bytes, table.Pos)
            return v.ValuesAsNumpy().astype(np.int64)

        last = dims[-1]
        segments = vector(last.ArraySegmentsType(), last.ArraySegments())
        indices = vector(last.ArrayIndicesType(), last.ArrayIndices())
        rows = int(np.prod(shape[:-1]))
        dense = np.zeros((rows, shape[-1]), values.dtype)
        for r in range(rows):
            cols = indices[segments[r]:segments[r + 1]]
            dense[r, cols] = values[segments[r]:segments[r + 1]]
        return dense.reshape(shape)

    def name(self, i: int) -> str:
        return f"t{i}_" + self.g.Tensors(i).Name().decode().replace(";", "_").replace(":", "_")

    def shape(self, i: int) -> list[int]:
        return [int(v) for v in self.g.Tensors(i).ShapeAsNumpy()]

    def init(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        if name not in self._init_names:  # a constant several ops share is stored once
            self._init_names.add(name)
            self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: list[str], **attrs) -> None:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, outputs, name=f"n{len(self.nodes)}_{op}",
                                           **attrs))

    def activation(self, fused: int, name: str, out: str) -> None:
        af = self.tfl.ActivationFunctionType
        if fused == af.NONE:
            self.node("Identity", [name], [out])
        elif fused == af.RELU:
            self.node("Relu", [name], [out])
        elif fused == af.RELU6:
            self.node("Clip", [name, self.init(f"{out}_lo", np.float32(0)),
                               self.init(f"{out}_hi", np.float32(6))], [out])
        else:
            raise ValueError(f"unsupported fused activation {fused}")

    def as_input(self, i: int) -> str:
        """The ONNX name of tensor ``i`` as an op input: a constant becomes an initializer."""
        if i in self.const:
            value = self.const[i]
            if value.dtype == np.float16:
                value = value.astype(np.float32)
            if value.ndim == 4:  # a constant 4D operand of an activation op: to NCHW
                value = value.transpose(0, 3, 1, 2)
            return self.init(self.name(i) + "_c", value)
        return self.name(i)

    @staticmethod
    def same_pads(in_hw, kernel_hw, stride_hw, dilation_hw=(1, 1)) -> list[int]:
        """TensorFlow's SAME padding as explicit ONNX pads (h0, w0, h1, w1)."""
        before, after = [], []
        for n, k, s, d in zip(in_hw, kernel_hw, stride_hw, dilation_hw):
            out = -(-n // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            before.append(total // 2)
            after.append(total - total // 2)
        return before + after

    def options(self, op, cls):
        table = op.BuiltinOptions()
        opts = cls()
        opts.Init(table.Bytes, table.Pos)
        return opts

    # -- ops -----------------------------------------------------------------------------------

    def convert(self) -> None:
        for k in range(self.g.OperatorsLength()):
            op = self.g.Operators(k)
            code = self.m.OperatorCodes(op.OpcodeIndex())
            kind = self.names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
            ins = [int(v) for v in op.InputsAsNumpy()]
            outs = [int(v) for v in op.OutputsAsNumpy()]
            handler = getattr(self, f"op_{kind}", None)
            if handler is None:
                raise ValueError(f"unsupported TFLite op {kind}")
            handler(op, ins, outs)

    def op_DENSIFY(self, op, ins, outs) -> None:
        self.const[outs[0]] = self.const[ins[0]]  # densified when it was read

    def op_DEPTH_TO_SPACE(self, op, ins, outs) -> None:
        block = self.options(op, self.tfl.DepthToSpaceOptions).BlockSize()
        # TensorFlow's order (NHWC, depth as (block, block, C)) is ONNX's DCR mode in NCHW
        self.node("DepthToSpace", [self.name(ins[0])], [self.name(outs[0])], blocksize=block,
                  mode="DCR")
        self.nchw.add(outs[0])

    def op_DEQUANTIZE(self, op, ins, outs) -> None:
        if ins[0] not in self.const:
            raise ValueError("DEQUANTIZE of a non-constant tensor")
        self.const[outs[0]] = self.const[ins[0]].astype(np.float32)

    def _conv(self, op, ins, outs, depthwise: bool) -> None:
        tfl = self.tfl
        opts = self.options(op, tfl.DepthwiseConv2DOptions if depthwise else tfl.Conv2DOptions)
        w = self.const[ins[1]].astype(np.float32)
        x_shape = self.shape(ins[0])
        if depthwise:  # (1, kh, kw, C·M) → (C·M, 1, kh, kw), one group per input channel
            weight, group = w.transpose(3, 0, 1, 2), x_shape[3]
        else:  # (O, kh, kw, I) → (O, I, kh, kw)
            weight, group = w.transpose(0, 3, 1, 2), 1
        kernel = list(weight.shape[2:])
        strides = [opts.StrideH(), opts.StrideW()]
        dil = [opts.DilationHFactor(), opts.DilationWFactor()]
        pads = (self.same_pads(x_shape[1:3], kernel, strides, dil)
                if opts.Padding() == tfl.Padding.SAME else [0, 0, 0, 0])
        inputs = [self.name(ins[0]), self.init(self.name(ins[1]) + "_w", weight)]
        if len(ins) > 2 and ins[2] >= 0:
            inputs.append(self.init(self.name(ins[2]) + "_b", self.const[ins[2]].astype(np.float32)))
        tmp = self.name(outs[0]) + "_pre"
        self.node("Conv", inputs, [tmp], kernel_shape=kernel, strides=strides, dilations=dil,
                  pads=pads, group=group)
        self.activation(opts.FusedActivationFunction(), tmp, self.name(outs[0]))
        self.nchw.add(outs[0])

    def op_CONV_2D(self, op, ins, outs) -> None:
        self._conv(op, ins, outs, depthwise=False)

    def op_DEPTHWISE_CONV_2D(self, op, ins, outs) -> None:
        self._conv(op, ins, outs, depthwise=True)

    def op_FULLY_CONNECTED(self, op, ins, outs) -> None:
        opts = self.options(op, self.tfl.FullyConnectedOptions)
        x = self.name(ins[0])
        if ins[0] in self.nchw:  # flatten in TFLite's NHWC order
            self.node("Transpose", [x], [x + "_nhwc"], perm=[0, 2, 3, 1])
            x = x + "_nhwc"
        flat = self.init(self.name(outs[0]) + "_shape",
                         np.array([-1, self.const[ins[1]].shape[1]], np.int64))
        self.node("Reshape", [x, flat], [self.name(outs[0]) + "_flat"])
        w = self.const[ins[1]].astype(np.float32)  # (out, in)
        inputs = [self.name(outs[0]) + "_flat", self.init(self.name(ins[1]) + "_w", w)]
        if len(ins) > 2 and ins[2] >= 0:
            inputs.append(self.init(self.name(ins[2]) + "_b", self.const[ins[2]].astype(np.float32)))
        tmp = self.name(outs[0]) + "_pre"
        self.node("Gemm", inputs, [tmp], transB=1)
        self.activation(opts.FusedActivationFunction(), tmp, self.name(outs[0]))

    def op_ADD(self, op, ins, outs) -> None:
        opts = self.options(op, self.tfl.AddOptions)
        tmp = self.name(outs[0]) + "_pre"
        self.node("Add", [self.as_input(ins[0]), self.as_input(ins[1])], [tmp])
        self.activation(opts.FusedActivationFunction(), tmp, self.name(outs[0]))
        if ins[0] in self.nchw or ins[1] in self.nchw:
            self.nchw.add(outs[0])

    def op_PRELU(self, op, ins, outs) -> None:
        alpha = self.const[ins[1]].astype(np.float32).reshape(-1, 1, 1)  # per channel, NCHW
        self.node("PRelu", [self.name(ins[0]), self.init(self.name(ins[1]) + "_a", alpha)],
                  [self.name(outs[0])])
        self.nchw.add(outs[0])

    def op_LOGISTIC(self, op, ins, outs) -> None:
        self.node("Sigmoid", [self.name(ins[0])], [self.name(outs[0])])
        if ins[0] in self.nchw:
            self.nchw.add(outs[0])

    def op_MEAN(self, op, ins, outs) -> None:
        axes = [int(a) for a in np.atleast_1d(self.const[ins[1]])]
        keep = self.options(op, self.tfl.ReducerOptions).KeepDims()
        if ins[0] in self.nchw:
            axes = [{0: 0, 1: 2, 2: 3, 3: 1}[a % 4] for a in axes]
        self.node("ReduceMean", [self.name(ins[0])], [self.name(outs[0])], axes=axes,
                  keepdims=int(bool(keep)))
        if ins[0] in self.nchw and keep:
            self.nchw.add(outs[0])

    def op_MAX_POOL_2D(self, op, ins, outs) -> None:
        opts = self.options(op, self.tfl.Pool2DOptions)
        kernel, strides = [opts.FilterHeight(), opts.FilterWidth()], [opts.StrideH(), opts.StrideW()]
        pads = (self.same_pads(self.shape(ins[0])[1:3], kernel, strides)
                if opts.Padding() == self.tfl.Padding.SAME else [0, 0, 0, 0])
        tmp = self.name(outs[0]) + "_pre"
        self.node("MaxPool", [self.name(ins[0])], [tmp], kernel_shape=kernel, strides=strides,
                  pads=pads)
        self.activation(opts.FusedActivationFunction(), tmp, self.name(outs[0]))
        self.nchw.add(outs[0])

    def op_PAD(self, op, ins, outs) -> None:
        p = self.const[ins[1]].astype(np.int64)  # (4, 2) in NHWC
        p = p[[0, 3, 1, 2]]
        pads = np.concatenate([p[:, 0], p[:, 1]])
        self.node("Pad", [self.name(ins[0]), self.init(self.name(outs[0]) + "_pads", pads)],
                  [self.name(outs[0])], mode="constant")
        self.nchw.add(outs[0])

    def op_RESIZE_BILINEAR(self, op, ins, outs) -> None:
        opts = self.options(op, self.tfl.ResizeBilinearOptions)
        n, _, _, c = self.shape(ins[0])
        h, w = (int(v) for v in self.const[ins[1]])
        mode = ("align_corners" if opts.AlignCorners() else
                "half_pixel" if opts.HalfPixelCenters() else "asymmetric")
        sizes = self.init(self.name(outs[0]) + "_sizes", np.array([n, c, h, w], np.int64))
        self.node("Resize", [self.name(ins[0]), "", "", sizes], [self.name(outs[0])],
                  mode="linear", coordinate_transformation_mode=mode)
        self.nchw.add(outs[0])

    def op_RESHAPE(self, op, ins, outs) -> None:
        x = self.name(ins[0])
        if ins[0] in self.nchw:
            self.node("Transpose", [x], [x + "_nhwc"], perm=[0, 2, 3, 1])
            x = x + "_nhwc"
        shape = self.init(self.name(outs[0]) + "_shape", np.array(self.shape(outs[0]), np.int64))
        self.node("Reshape", [x, shape], [self.name(outs[0])])
        if len(self.shape(outs[0])) == 4:  # back to the inside layout
            out = self.name(outs[0])
            self.nodes[-1].output[0] = out + "_nhwc"
            self.node("Transpose", [out + "_nhwc"], [out], perm=[0, 3, 1, 2])
            self.nchw.add(outs[0])

    def op_CONCATENATION(self, op, ins, outs) -> None:
        opts = self.options(op, self.tfl.ConcatenationOptions)
        axis = opts.Axis()
        rank = len(self.shape(outs[0]))
        if all(i in self.nchw for i in ins):
            axis = {0: 0, 1: 2, 2: 3, 3: 1}[axis % 4]
            self.nchw.add(outs[0])
        elif any(i in self.nchw for i in ins):
            raise ValueError("CONCATENATION of mixed layouts")
        tmp = self.name(outs[0]) + "_pre"
        self.node("Concat", [self.name(i) for i in ins], [tmp], axis=axis % rank)
        self.activation(opts.FusedActivationFunction(), tmp, self.name(outs[0]))


def convert(tflite_path: Path, onnx_path: Path) -> dict:
    """Convert one TFLite model; returns the graph's input and output names and shapes."""
    import onnx
    import tflite
    from onnx import TensorProto, helper

    model = tflite.Model.GetRootAsModel(tflite_path.read_bytes(), 0)
    conv = _Converter(model, tflite)
    g = conv.g
    (inp,) = [int(v) for v in g.InputsAsNumpy()]
    in_name = g.Tensors(inp).Name().decode()
    in_shape = conv.shape(inp)
    conv.node("Transpose", [in_name], [conv.name(inp)], perm=[0, 3, 1, 2])
    conv.nchw.add(inp)
    conv.convert()
    outputs = []
    for o in (int(v) for v in g.OutputsAsNumpy()):
        name, shape = g.Tensors(o).Name().decode(), conv.shape(o)
        src = conv.name(o)
        if o in conv.nchw:
            conv.node("Transpose", [src], [name], perm=[0, 2, 3, 1])
        else:
            conv.node("Identity", [src], [name])
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
    graph = helper.make_graph(
        conv.nodes, tflite_path.stem,
        [helper.make_tensor_value_info(in_name, TensorProto.FLOAT, in_shape)], outputs,
        initializer=conv.inits)
    model_proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                    producer_name="hdr-live scripts/vendor_mediapipe.py")
    model_proto.ir_version = 8
    onnx.checker.check_model(model_proto)
    onnx_path.write_bytes(model_proto.SerializeToString())
    return {"input": {in_name: in_shape},
            "outputs": {o.name: [d.dim_value for d in o.type.tensor_type.shape.dim]
                        for o in outputs}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="folder for NAME.onnx + NAME.json")
    args = p.parse_args()
    import mediapipe

    if mediapipe.__version__ != MEDIAPIPE_VERSION:
        raise SystemExit(f"needs mediapipe=={MEDIAPIPE_VERSION} (its wheel ships the models), "
                         f"found {mediapipe.__version__}")
    modules = Path(os.path.dirname(mediapipe.__file__)) / "modules"
    args.out.mkdir(parents=True, exist_ok=True)
    for folder, name in MODELS:
        src = modules / folder / f"{name}.tflite"
        dst = args.out / f"{name}.onnx"
        io = convert(src, dst)
        meta = {"model": name, "format": "onnx", **io,
                "source": {"package": "mediapipe", "version": MEDIAPIPE_VERSION,
                           "path": f"mediapipe/modules/{folder}/{name}.tflite",
                           "sha256": _sha256(src)},
                "converted_by": "scripts/vendor_mediapipe.py", "sha256": _sha256(dst),
                "licence": LICENCE}
        (args.out / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n")
        print(f"{src.name} -> {dst} ({dst.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
