"""Make ONNX classifier fixtures with the reference Python tools.

Usage (normally through scripts/model-fixtures.sh, which makes the features dataset first):

    python make_model_fixtures.py --features DIR --out test/fixtures/models

DIR is the Hive-partitioned Parquet dataset written by
`candlestream backfill --sink parquet:DIR`. For each fixture NAME this writes

    OUT/NAME/1/model.onnx      the converted model
    OUT/NAME/1/manifest.json   input/output names, class order, training span, test accuracy
    OUT/NAME/expected.json     64 held-out rows, their float32 inputs, and what onnxruntime (Python)
                               returns for them: probabilities in `classes` order and labels

Everything is deterministic: the same dataset and the pinned requirements give the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import warnings
from pathlib import Path

# The converters iterate over sets of strings (opset imports, for one): a fixed hash seed makes the
# models the same bytes on every run.
if __name__ == "__main__" and os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})

import lightgbm
import numpy as np
import onnx
import onnxmltools
import onnxruntime as ort
import pyarrow.compute as pc
import pyarrow.dataset as ds
import skl2onnx
import sklearn
from lightgbm import LGBMClassifier
from onnxmltools.convert.common.data_types import FloatTensorType as MlFloatTensorType
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

SYMBOL = "BTC-USDT"
INTERVAL = "1m"
HORIZON = 15
FLAT_BAND = 0.0005
TRAIN_FRACTION = 0.7
FIXTURE_ROWS = 64
THRESHOLDS = {"buy": 0.55, "sell": 0.55}
FEATURES = [
    "rsi_14",
    "macd_hist/close",
    "atr_14/close",
    "close/sma_50",
    "close/bb_upper",
    "close/bb_lower",
    "ext_fear_greed",
]
INPUT_NAME = "features"
# Target (highest allowed) main and ONNX-ML opsets; converters emit the lowest each model needs.
# All run on onnxruntime(-node) 1.30. onnxmltools 1.16 takes one main opset, at most 15.
MAIN_OPSET = 17
ML_OPSET = 3
LGBM_MAIN_OPSET = 15


def raw_columns() -> list[str]:
    """Every dataset column the features reference, in first-use order."""
    cols: list[str] = []
    for feature in FEATURES:
        for col in feature.split("/"):
            if col not in cols:
                cols.append(col)
    return cols


def load_rows(features_dir: Path) -> dict[str, np.ndarray]:
    dataset = ds.dataset(str(features_dir), format="parquet", partitioning="hive")
    cols = raw_columns()
    table = dataset.to_table(
        columns=["symbol", "ts", *cols],
        filter=(pc.field("interval") == INTERVAL) & (pc.field("symbol") == SYMBOL),
    )
    if table.num_rows == 0:
        sys.exit(f"no {INTERVAL} rows of {SYMBOL} in {features_dir}")
    table = table.sort_by([("ts", "ascending")])
    keep = None
    for col in cols:
        valid = pc.is_valid(table[col])
        keep = valid if keep is None else pc.and_(keep, valid)
    dropped = table.num_rows - pc.sum(pc.cast(keep, "int64")).as_py()
    table = table.filter(keep)
    out = {"symbol": np.array(table["symbol"].to_pylist(), dtype=object)}
    out["ts"] = table["ts"].to_numpy().astype(np.int64)
    for col in cols:
        out[col] = table[col].to_numpy().astype(np.float64)
    ts = out["ts"]
    if np.any(np.diff(ts) <= 0):
        sys.exit("duplicate or unordered ts in the dataset")
    gaps = int(np.count_nonzero(np.diff(ts) != 60_000))
    print(
        f"data: {len(ts)} rows of {SYMBOL} {INTERVAL} with all of {cols} "
        f"({dropped} dropped for nulls), {gaps} gaps in ts"
    )
    return out


def feature_matrix(rows: dict[str, np.ndarray]) -> np.ndarray:
    """Features in float64, then cast to float32 (the model input type)."""
    columns = []
    for feature in FEATURES:
        parts = feature.split("/")
        if len(parts) == 1:
            columns.append(rows[parts[0]])
        else:
            columns.append(rows[parts[0]] / rows[parts[1]])
    x64 = np.column_stack(columns).astype(np.float64)
    if not np.all(np.isfinite(x64)):
        sys.exit("non-finite feature values")
    return x64.astype(np.float32)


def forward_return(close: np.ndarray) -> np.ndarray:
    """r[i] = close[i + HORIZON] / close[i] - 1, for the rows that have a row HORIZON later."""
    return close[HORIZON:] / close[:-HORIZON] - 1.0


def binary_labels(close: np.ndarray) -> np.ndarray:
    return (close[HORIZON:] > close[:-HORIZON]).astype(np.int64)


def three_class_labels(close: np.ndarray) -> np.ndarray:
    r = forward_return(close)
    return np.where(r > FLAT_BAND, "up", np.where(r < -FLAT_BAND, "down", "flat")).astype(object)


def skl_convert(clf, zipmap: bool) -> onnx.ModelProto:
    options = None if zipmap else {id(clf): {"zipmap": False}}
    return convert_sklearn(
        clf,
        initial_types=[(INPUT_NAME, FloatTensorType([None, len(FEATURES)]))],
        target_opset={"": MAIN_OPSET, "ai.onnx.ml": ML_OPSET},
        options=options,
    )


def lgbm_convert(clf, zipmap: bool) -> onnx.ModelProto:
    return onnxmltools.convert_lightgbm(
        clf,
        initial_types=[(INPUT_NAME, MlFloatTensorType([None, len(FEATURES)]))],
        target_opset=LGBM_MAIN_OPSET,
        zipmap=zipmap,
    )


def make_logreg():
    return LogisticRegression(max_iter=10_000)


def make_forest():
    return RandomForestClassifier(n_estimators=50, max_depth=6, random_state=0)


def make_gbt():
    return GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)


def make_lgbm():
    # deterministic/force_row_wise/n_jobs: the same trees on any machine (LightGBM otherwise picks
    # row- or column-wise histograms by timing and sums in a thread-count dependent order).
    return LGBMClassifier(
        n_estimators=100,
        num_leaves=15,
        random_state=0,
        verbose=-1,
        deterministic=True,
        force_row_wise=True,
        n_jobs=1,
    )


SKL_TOOL = f"scikit-learn {sklearn.__version__} + skl2onnx {skl2onnx.__version__}"
LGBM_TOOL = f"lightgbm {lightgbm.__version__} + onnxmltools {onnxmltools.__version__}"

# name, model factory, converter, zipmap, labels ("binary" or "3class"), tool
FIXTURES = [
    ("sklearn-logreg-tensor", make_logreg, skl_convert, False, "binary", SKL_TOOL),
    ("sklearn-logreg-zipmap", make_logreg, skl_convert, True, "binary", SKL_TOOL),
    ("sklearn-forest-tensor", make_forest, skl_convert, False, "binary", SKL_TOOL),
    ("sklearn-forest-zipmap", make_forest, skl_convert, True, "binary", SKL_TOOL),
    ("sklearn-gbt-tensor", make_gbt, skl_convert, False, "binary", SKL_TOOL),
    ("sklearn-gbt-zipmap", make_gbt, skl_convert, True, "binary", SKL_TOOL),
    ("lightgbm-tensor", make_lgbm, lgbm_convert, False, "binary", LGBM_TOOL),
    ("lightgbm-zipmap", make_lgbm, lgbm_convert, True, "binary", LGBM_TOOL),
    ("sklearn-logreg-3class-zipmap", make_logreg, skl_convert, True, "3class", SKL_TOOL),
]


def py_label(value):
    """A class label as a plain JSON value."""
    if isinstance(value, (np.integer, int)):
        return int(value)
    return str(value)


def type_str(type_proto: onnx.TypeProto) -> str:
    which = type_proto.WhichOneof("value")
    if which == "tensor_type":
        t = type_proto.tensor_type
        elem = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).name if t.elem_type else "?"
        if elem == "object":
            elem = "string"
        dims = [d.dim_param or (str(d.dim_value) if d.HasField("dim_value") else "?") for d in t.shape.dim]
        return f"tensor({elem})[{','.join(dims)}]"
    if which == "sequence_type":
        return f"seq({type_str(type_proto.sequence_type.elem_type)})"
    if which == "map_type":
        m = type_proto.map_type
        key = onnx.helper.tensor_dtype_to_np_dtype(m.key_type).name
        if key == "object":
            key = "string"
        return f"map({key},{type_str(m.value_type)})"
    return which or "?"


def describe_graph(model: onnx.ModelProto) -> dict:
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    info = {
        "ir_version": model.ir_version,
        "opsets": [((o.domain or "ai.onnx"), o.version) for o in model.opset_import],
        "inputs": [(i.name, type_str(i.type)) for i in graph.input],
        "outputs": [(o.name, type_str(o.type)) for o in graph.output],
        "ops": [f"{n.domain + '.' if n.domain else ''}{n.op_type}" for n in graph.node],
        "zipmaps": [],
    }
    for node in graph.node:
        if node.op_type != "ZipMap":
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        labels = attrs.get("classlabels_int64s") or attrs.get("classlabels_strings")
        labels = [x.decode() if isinstance(x, bytes) else int(x) for x in labels]
        kind = "classlabels_int64s" if "classlabels_int64s" in attrs else "classlabels_strings"
        feeder = producers.get(node.input[0])
        info["zipmaps"].append(
            {
                "node": node.name,
                "input": node.input[0],
                "input_from": f"{feeder.op_type} {feeder.name!r}" if feeder else "graph input",
                "output": node.output[0],
                kind: labels,
            }
        )
    return info


def run_onnx(model_bytes: bytes, x: np.ndarray, threads: int = 0):
    so = ort.SessionOptions()
    so.log_severity_level = 3  # shape mismatches are reported by declared_shape_notes instead
    if threads:
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = threads
    sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return names, sess.run(None, {INPUT_NAME: x})


def declared_shape_notes(model: onnx.ModelProto, names, values) -> list[str]:
    """Outputs whose declared fixed dimensions differ from what onnxruntime returns."""
    notes = []
    declared = {o.name: o.type for o in model.graph.output}
    for name, value in zip(names, values):
        t = declared[name]
        if t.WhichOneof("value") != "tensor_type":
            continue
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.tensor_type.shape.dim]
        shape = list(value.shape)
        if len(dims) != len(shape) or any(d is not None and d != a for d, a in zip(dims, shape)):
            shown = ["?" if d is None else d for d in dims]
            notes.append(f"output {name!r} is declared with shape {shown} but returns {shape}")
    return notes


def check_inputs_from_json(rows_json: str, inputs: list[list[float]]) -> None:
    """The fixture rows, read back from JSON, give exactly the fixture inputs (as a reader would)."""
    rows = json.loads(rows_json)
    for row, expected in zip(rows, inputs):
        got = []
        for feature in FEATURES:
            parts = feature.split("/")
            v = row[parts[0]] if len(parts) == 1 else row[parts[0]] / row[parts[1]]
            got.append(float(np.float32(v)))
        if got != expected:
            sys.exit(f"fixture row {row['ts']}: features from JSON {got} != inputs {expected}")


def split_outputs(names, values, classes):
    """(label output name, probabilities output name, labels list, probabilities [[...]])."""
    label_name = prob_name = None
    labels = probs = None
    for name, value in zip(names, values):
        if isinstance(value, list):  # ZipMap: a sequence of maps class -> probability
            prob_name = name
            probs = [[float(m[c]) for c in classes] for m in value]
        elif value.ndim == 2:
            prob_name = name
            if value.dtype != np.float32:
                sys.exit(f"probabilities output {name!r} is {value.dtype}, expected float32")
            probs = [[float(p) for p in row] for row in value]
        else:
            label_name = name
            labels = [py_label(v) for v in value]
    if label_name is None or prob_name is None:
        sys.exit(f"could not tell the label and probabilities outputs apart in {names}")
    return label_name, prob_name, labels, probs


def dump_json(path: Path, obj) -> None:
    """JSON with two-space indent, but each innermost list or flat object on one line."""

    def fmt(value, indent):
        pad = "  " * indent
        if isinstance(value, dict):
            if all(not isinstance(v, (dict, list)) for v in value.values()):
                return json.dumps(value, allow_nan=False)
            items = [f'{pad}  {json.dumps(k)}: {fmt(v, indent + 1)}' for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(value, list):
            if all(not isinstance(v, (dict, list)) for v in value):
                return json.dumps(value, allow_nan=False)
            items = [f"{pad}  {fmt(v, indent + 1)}" for v in value]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        return json.dumps(value, allow_nan=False)

    path.write_text(fmt(obj, 0) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", required=True, type=Path, help="backfill Parquet dataset directory")
    parser.add_argument("--out", required=True, type=Path, help="fixtures directory (test/fixtures/models)")
    args = parser.parse_args()

    print(
        f"tools: {SKL_TOOL}; {LGBM_TOOL}; onnx {onnx.__version__}; "
        f"onnxruntime {ort.__version__}; numpy {np.__version__}"
    )
    rows = load_rows(args.features)
    x_all = feature_matrix(rows)
    close = rows["close"]
    n = len(close) - HORIZON  # rows that have a label
    x = x_all[:n]
    labels_by_kind = {"binary": binary_labels(close), "3class": three_class_labels(close)}
    n_train = int(n * TRAIN_FRACTION)
    n_test = n - n_train
    picks = n_train + (np.arange(FIXTURE_ROWS) * (n_test - 1)) // (FIXTURE_ROWS - 1)
    ts = rows["ts"]
    print(
        f"split: {n} labelled rows, train {n_train} (ts {ts[0]}..{ts[n_train - 1]}), "
        f"test {n_test}; fixture rows {picks[0]}..{picks[-1]}"
    )
    for kind, y in labels_by_kind.items():
        values, counts = np.unique(y[:n], return_counts=True)
        print(f"labels {kind}: " + ", ".join(f"{v}={c}" for v, c in zip(values, counts)))

    x_train, x_test, x_fix = x[:n_train], x[n_train:], x[picks]
    fixture_rows = []
    for i in picks:
        row = {"symbol": str(rows["symbol"][i]), "ts": int(ts[i])}
        for col in raw_columns():
            row[col] = float(rows[col][i])
        fixture_rows.append(row)
    inputs = [[float(v) for v in r] for r in x_fix]
    check_inputs_from_json(json.dumps(fixture_rows), json.loads(json.dumps(inputs)))

    trained = {}
    results = {}  # (model, kind) -> (probabilities, labels) of the first fixture of that model
    for name, factory, convert, zipmap, kind, tool in FIXTURES:
        y = labels_by_kind[kind][:n]
        y_train, y_test = y[:n_train], y[n_train:]
        key = (factory.__name__, kind)
        if key not in trained:  # the -tensor and -zipmap fixtures share one fitted model
            clf = factory()
            with warnings.catch_warnings():
                warnings.simplefilter("error", ConvergenceWarning)
                clf.fit(x_train, y_train)
            trained[key] = clf
        clf = trained[key]
        classes = [py_label(c) for c in clf.classes_]
        accuracy = float(np.mean(clf.predict(x_test) == y_test))

        model = convert(clf, zipmap)
        # The converters name the graph with a random UUID; name it after the fixture instead.
        model.graph.name = name
        onnx.checker.check_model(model)
        model_bytes = model.SerializeToString()
        info = describe_graph(model)

        names, values = run_onnx(model_bytes, x_fix)
        label_name, prob_name, onnx_labels, probs = split_outputs(names, values, classes)

        # Checks: the model agrees with itself single-threaded, with the fitted model, and its
        # probabilities are a distribution in `classes` order.
        _, values_1t = run_onnx(model_bytes, x_fix, threads=1)
        _, _, labels_1t, probs_1t = split_outputs(names, values_1t, classes)
        thread_diff = float(np.max(np.abs(np.array(probs) - np.array(probs_1t))))
        skl_probs = clf.predict_proba(x_fix)
        skl_diff = float(np.max(np.abs(np.array(probs) - skl_probs)))
        argmax_labels = [classes[int(j)] for j in np.argmax(np.array(probs), axis=1)]
        row_sum_err = float(np.max(np.abs(np.array(probs).sum(axis=1) - 1.0)))
        _, test_values = run_onnx(model_bytes, x_test)
        _, _, test_labels, _ = split_outputs(names, test_values, classes)
        onnx_accuracy = float(np.mean(np.array(test_labels, dtype=object) == y_test))
        if labels_1t != onnx_labels or skl_diff > 1e-4 or row_sum_err > 1e-5:
            sys.exit(f"{name}: ONNX output disagrees (skl diff {skl_diff}, row sums {row_sum_err})")
        same_as_other_output = None
        if key in results:  # the ZipMap form returns exactly what the tensor form does
            same_as_other_output = results[key] == (probs, onnx_labels)
            if not same_as_other_output:
                print(f"WARNING {name}: differs from the other output form of the same model")
        else:
            results[key] = (probs, onnx_labels)
        shape_notes = declared_shape_notes(model, names, values)

        fixture_dir = args.out / name
        if fixture_dir.exists():
            shutil.rmtree(fixture_dir)
        version_dir = fixture_dir / "1"
        version_dir.mkdir(parents=True)
        (version_dir / "model.onnx").write_bytes(model_bytes)
        up, down = ("up", "down") if kind == "3class" else (1, 0)
        manifest = {
            "name": name,
            "version": "1",
            "interval": INTERVAL,
            "horizon": HORIZON,
            "features": FEATURES,
            "input": {"name": INPUT_NAME, "type": "float32"},
            "outputs": {"label": label_name, "probabilities": prob_name},
            "classes": classes,
            "up_class": up,
            "down_class": down,
            "thresholds": THRESHOLDS,
            "training": {
                "from": int(ts[0]),
                "to": int(ts[n_train - 1]),
                "rows": n_train,
                "tool": tool,
            },
            "metrics": {"test_accuracy": accuracy},
        }
        dump_json(version_dir / "manifest.json", manifest)
        expected = {
            "rows": fixture_rows,
            "inputs": inputs,
            "probabilities": probs,
            "labels": onnx_labels,
            "onnxruntime": ort.__version__,
        }
        dump_json(fixture_dir / "expected.json", expected)

        print(f"\n== {name}  ({len(model_bytes)} bytes, IR {info['ir_version']}, opsets {info['opsets']})")
        print(f"   inputs:  {info['inputs']}")
        print(f"   outputs: {info['outputs']}")
        ops = sorted(set(info["ops"]))
        print(f"   ops:     {ops}")
        for z in info["zipmaps"]:
            print(f"   zipmap:  {z}")
        print(f"   classes: {classes}; label output {label_name!r}, probabilities output {prob_name!r}")
        print(
            f"   test accuracy {accuracy:.6f} (onnx {onnx_accuracy:.6f}); fixture: max |onnx - predict_proba| "
            f"{skl_diff:.3g}, max |default threads - 1 thread| {thread_diff:.3g}, "
            f"labels == argmax: {argmax_labels == onnx_labels}"
            + ("" if same_as_other_output is None else f", == other form: {same_as_other_output}")
        )
        for note in shape_notes:
            print(f"   note:    {note}")

    print(f"\nwrote {len(FIXTURES)} fixtures to {args.out}")


if __name__ == "__main__":
    main()
