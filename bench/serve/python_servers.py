"""The Python serving stacks slipway-serve is measured against, each with POST /predict taking
{"features": [...]} or {"instances": [[...], ...]} and answering like slipway-serve:
  flask         Flask's own threaded server, numpy forward pass (the seeds' stack); its
                request log is off like every other stack's. Werkzeug's server closes the
                connection after each response (no keep-alive), so wrk reconnects per request.
  fastapi       FastAPI under uvicorn (uvloop, httptools), numpy forward pass
  fastapi-ort   FastAPI under uvicorn, onnxruntime (one intra-op thread per worker)
The model path comes from $SLIPWAY_BENCH_MODEL (uvicorn imports the app factories by name).
Usage: python python_servers.py flask PORT   (uvicorn: see run_serve_benchmark.py)"""

import os
import sys

import numpy as np


def load_numpy():
    from onnx_numpy import NumpyModel
    model = NumpyModel(os.environ["SLIPWAY_BENCH_MODEL"])
    return model.width, model.class_names, lambda x: model.run(x)["probabilities"]


def load_onnxruntime():
    import json
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(os.environ["SLIPWAY_BENCH_MODEL"], options,
                                           providers=["CPUExecutionProvider"])
    width = session.get_inputs()[0].shape[1]
    meta = session.get_modelmeta().custom_metadata_map
    names = json.loads(meta.get("slipway.class_names", "[]"))
    return width, names, lambda x: session.run(["probabilities"], {"features": x})[0]


def answer(payload, width, names, forward):
    """(status, body dict) for a /predict payload."""
    single = "features" in payload
    rows = [payload["features"]] if single else payload.get("instances")
    if not isinstance(rows, list) or not rows or any(len(r) != width for r in rows):
        return 400, {"error": f"expected rows of {width} features"}
    probabilities = forward(np.asarray(rows, dtype=np.float32))
    results = []
    for p in probabilities:
        best = int(np.argmax(p))
        results.append({"class": best, "label": names[best] if best < len(names) else str(best),
                        "probabilities": p.tolist()})
    return 200, results[0] if single else {"predictions": results}


def flask_app():
    from flask import Flask, jsonify, request
    width, names, forward = load_numpy()
    app = Flask(__name__)

    @app.post("/predict")
    def predict():
        status, body = answer(request.get_json(force=True), width, names, forward)
        return jsonify(body), status

    @app.get("/health")
    def health():
        return jsonify({"live": True})

    return app


def make_fastapi(loader):
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    width, names, forward = loader()
    app = FastAPI()

    @app.post("/predict")
    async def predict(request: Request):
        status, body = answer(await request.json(), width, names, forward)
        return JSONResponse(body, status_code=status)

    @app.get("/health")
    async def health():
        return {"live": True}

    return app


def fastapi_numpy_app():
    return make_fastapi(load_numpy)


def fastapi_ort_app():
    return make_fastapi(load_onnxruntime)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "flask":
        sys.exit(__doc__)
    import logging
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    flask_app().run(host="127.0.0.1", port=int(sys.argv[2]), threaded=True)
