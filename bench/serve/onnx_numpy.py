"""Runs a slipway-exported model.onnx with numpy, the way the seeds' Flask and FastAPI posts
serve a model: the weights read once, then plain numpy matmuls. Handles exactly the operators
slipway exports (Sub, Div, Gemm, Relu, Tanh, Mul, Add, Softmax) by walking the graph."""

import numpy as np
import onnx
from onnx import numpy_helper


class NumpyModel:
    def __init__(self, path):
        model = onnx.load(path)
        graph = model.graph
        self.constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        self.nodes = [(n.op_type, list(n.input), list(n.output),
                       {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute})
                      for n in graph.node]
        self.input = graph.input[0].name
        self.width = graph.input[0].type.tensor_type.shape.dim[1].dim_value
        self.outputs = [o.name for o in graph.output]
        names = {p.key: p.value for p in model.metadata_props}
        import json
        self.class_names = json.loads(names.get("slipway.class_names", "[]"))

    def run(self, x):
        values = dict(self.constants)
        values[self.input] = np.asarray(x, dtype=np.float32)
        for op, inputs, outputs, attrs in self.nodes:
            a = [values[name] for name in inputs]
            if op == "Gemm":
                w = a[1].T if attrs.get("transB", 0) else a[1]
                result = a[0] @ w + a[2]
            elif op == "Softmax":
                z = a[0] - a[0].max(axis=1, keepdims=True)
                e = np.exp(z)
                result = e / e.sum(axis=1, keepdims=True)
            elif op == "Relu":
                result = np.maximum(a[0], 0)
            elif op == "Tanh":
                result = np.tanh(a[0])
            elif op in ("Sub", "Div", "Mul", "Add"):
                result = {"Sub": np.subtract, "Div": np.divide, "Mul": np.multiply,
                          "Add": np.add}[op](a[0], a[1])
            else:
                raise ValueError(f"operator {op} is not one slipway exports")
            values[outputs[0]] = result.astype(np.float32, copy=False)
        return {name: values[name] for name in self.outputs}
