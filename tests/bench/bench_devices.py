"""Camera pipeline benchmark: frames per second per decoder, and decoding a distorted set.

Run: ``.venv/bin/python tests/bench/bench_devices.py`` (``--quick`` for a smaller run).
Not part of the test suite (tests/bench is in norecursedirs). Pinned to one CPU core, with
OpenCV limited to one thread, and timed in process CPU time, so the figures are per core.
Results go in docs/bench-devices.md.

1. Speed: the whole pipeline (BGR → gray → QR on the frame downscaled to 960, 1-D codes at
   full resolution, EAN/UPC reads cross-checked → confirm) on cluttered 1280×720 frames
   without a code, with a QR code and with an EAN-13, each decoder in the same run, in six
   interleaved rounds (the median is reported).
2. Robustness: generated QR / EAN-13 / Code 128 codes with noise, blur, rotation, low contrast
   and scale, at a "moderate" level (the goal) and a "harsh" one (stress). Per decoder:
   wrong reads of the decoder alone (before the cross-check of EAN/UPC/Code 39 reads), then
   the single-frame read rate and wrong reads after the cross-check; then the camera's rule
   (cross-checked reads, two identical consecutive reads, on two frames with independent
   noise): read rate and wrong codes accepted.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import string
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from devices.decoders import DECODER_CLASSES, make_decoder  # noqa: E402
from devices.scanners.camera import FramePipeline, ReadConfirmer  # noqa: E402
from devices.simulated import barcode_image, ean13_full, qr_image, scene  # noqa: E402

SIZE = (1280, 720)
MAX_SIDE = 960


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{model}; nproc={os.cpu_count()}; Python {platform.python_version()}; "
            f"OpenCV {cv2.__version__}")


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)


# -- speed --------------------------------------------------------------------------------------
def counter_scene(code: Any, seed: int, at: tuple[int, int] = (350, 200)) -> Any:
    """A cluttered 1280×720 frame (boxes, lines, printed text) like a shop counter."""
    rng = np.random.default_rng(seed)
    frame = scene(None, SIZE, seed=seed)
    for _ in range(25):
        x, y = int(rng.integers(0, SIZE[0])), int(rng.integers(0, SIZE[1]))
        w, h = int(rng.integers(20, 300)), int(rng.integers(20, 200))
        shade = tuple(int(v) for v in rng.integers(0, 255, 3))
        cv2.rectangle(frame, (x, y), (x + w, y + h), shade, int(rng.choice([-1, 2, 4])))
    for _ in range(15):
        x, y = int(rng.integers(0, SIZE[0] - 200)), int(rng.integers(20, SIZE[1]))
        cv2.putText(frame, "NT$ 1,250 LATTE 42", (x, y), cv2.FONT_HERSHEY_SIMPLEX,
                    float(rng.uniform(0.4, 1.2)), (20, 20, 20), 2)
    if code is not None:
        patch = cv2.cvtColor(np.asarray(code.convert("L")), cv2.COLOR_GRAY2BGR)
        h, w = patch.shape[:2]
        frame[at[1]:at[1] + h, at[0]:at[0] + w] = patch
    return frame


def fps(pipeline: FramePipeline, frames: list[Any], seconds: float) -> float:
    # CPU time of this process (pinned to one core), not wall time: other jobs on a shared
    # machine then slow the run down without changing the figures much.
    count, started = 0, time.process_time()
    while time.process_time() - started < seconds:
        for frame in frames:
            pipeline.process(frame, count * 0.033)
            count += 1
    return count / (time.process_time() - started)


def speed(seconds: float, rounds: int = 6) -> dict[str, dict[str, float]]:
    """Frames per second, the median of ``rounds`` rounds that each time every decoder and
    kind of frame in turn for ``seconds / rounds``: a burst of load from another job then
    touches one round of every decoder alike rather than the whole figure of one."""
    empty = [counter_scene(None, s) for s in range(8)]
    with_qr = [counter_scene(qr_image(f"M:{s:016d}"), s, at=(300 + 20 * s, 150))
               for s in range(8)]
    with_ean = [counter_scene(barcode_image("ean13", f"471{s:09d}"), s, at=(350, 250))
                for s in range(8)]
    cases = {(name, label): (FramePipeline(make_decoder(name), MAX_SIDE, ReadConfirmer(2, 0.0)),
                             frames)
             for name in DECODER_CLASSES
             for label, frames in (("no code", empty), ("QR", with_qr), ("EAN-13", with_ean))}
    for pipeline, frames in cases.values():
        for frame in frames[:2]:
            pipeline.process(frame, 0.0)  # warm up
    measured: dict[tuple[str, str], list[float]] = {key: [] for key in cases}
    for _ in range(rounds):
        for key, (pipeline, frames) in cases.items():
            measured[key].append(fps(pipeline, frames, seconds / rounds))
    results: dict[str, dict[str, float]] = {}
    for (name, label), values in measured.items():
        results.setdefault(name, {})[label] = statistics.median(values)
    return results


# -- robustness ---------------------------------------------------------------------------------
@dataclass
class Sample:
    kind: str
    truth: str
    params: dict[str, float]


def random_text(rng: random.Random, kind: str) -> str:
    if kind == "ean13":
        return ean13_full("".join(rng.choice(string.digits) for _ in range(12)))
    if kind == "code128":
        return "M-" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(8))
    alphabet = string.ascii_letters + string.digits
    return "LOY1:" + "".join(rng.choice(alphabet) for _ in range(rng.randint(16, 60)))


def distorted_frame(sample: Sample, seed: int) -> Any:
    """The code, distorted by ``sample.params``, on a 1280×720 scene; fresh noise per seed."""
    p = sample.params
    if sample.kind == "qr":
        code = qr_image(sample.truth, box_size=int(p["module"]))
    else:
        code = barcode_image(sample.kind, sample.truth[:12] if sample.kind == "ean13"
                             else sample.truth, module_px=int(p["module"]))
    patch = np.asarray(code.convert("L"), dtype=np.float32)
    pad = patch.shape[0] // 3 + 20
    patch = cv2.copyMakeBorder(patch, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    h, w = patch.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), p["angle"], p["scale"])
    patch = cv2.warpAffine(patch, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    lo, hi = p["black"], p["white"]
    patch = lo + patch / 255.0 * (hi - lo)  # low contrast
    frame = np.asarray(scene(None, SIZE, seed=seed)[:, :, 0], dtype=np.float32)
    x, y = (SIZE[0] - w) // 2, (SIZE[1] - h) // 2
    frame[y:y + h, x:x + w] = patch
    if p["blur"] > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), p["blur"])
    noise = np.random.default_rng(seed).normal(0, p["noise"], frame.shape)
    out = np.clip(frame + noise, 0, 255).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)


LEVELS = {
    # what a till camera sees: slight defocus, sensor noise, a tilted phone, a dim screen
    "moderate": {"blur": [0.0, 0.6, 1.0, 1.3], "noise": [2.0, 4.0, 7.0, 10.0],
                 "black": (30, 90), "white": (160, 235)},
    # a stress set, beyond the goal: heavy defocus and noise at very low contrast
    "harsh": {"blur": [0.8, 1.5, 2.0], "noise": [8.0, 16.0, 24.0],
              "black": (40, 110), "white": (150, 230)},
}


def make_samples(count: int, level: str, seed: int = 7) -> list[Sample]:
    rng = random.Random(seed)
    spec = LEVELS[level]
    samples = []
    for kind in ("qr", "ean13", "code128"):
        for _ in range(count):
            one_d = kind != "qr"
            samples.append(Sample(kind, random_text(rng, kind), {
                "module": rng.choice([3, 4]) if one_d else rng.choice([4, 5, 6]),
                "angle": rng.uniform(-12, 12) if one_d else rng.uniform(-45, 45),
                "scale": rng.uniform(0.8, 1.2),
                "blur": rng.choice(spec["blur"]),
                "noise": rng.choice(spec["noise"]),
                "black": rng.uniform(*spec["black"]),
                "white": rng.uniform(*spec["white"]),
            }))
    return samples


def robustness(samples: list[Sample]) -> dict[str, dict[str, dict[str, int]]]:
    frames = [(s, distorted_frame(s, 2 * i), distorted_frame(s, 2 * i + 1))
              for i, s in enumerate(samples)]
    results: dict[str, dict[str, dict[str, int]]] = {}
    for name in DECODER_CLASSES:
        pipeline = FramePipeline(make_decoder(name), MAX_SIDE)
        per_kind: dict[str, dict[str, int]] = {}
        for sample, first, second in frames:
            row = per_kind.setdefault(sample.kind, {"n": 0, "wrong_raw": 0, "read": 0,
                                                    "wrong_read": 0, "accepted": 0,
                                                    "wrong_accepted": 0})
            row["n"] += 1
            raw = {d.text for d in pipeline.read(first, cross_check=False)}
            row["wrong_raw"] += bool(raw - {sample.truth})
            reads = {d.text for d in pipeline.read(first)}
            row["read"] += sample.truth in reads
            row["wrong_read"] += bool(reads - {sample.truth})
            pipeline.confirmer = ReadConfirmer(2, 3.0)
            accepted = pipeline.process(first, 0.0) + pipeline.process(second, 0.05)
            row["accepted"] += sample.truth in accepted
            row["wrong_accepted"] += len(set(accepted) - {sample.truth})
        results[name] = per_kind
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter timing")
    parser.add_argument("--only", choices=("speed", "robustness"), help="run one part")
    args = parser.parse_args()
    pin_to_one_core()
    print(f"machine: {machine()}")
    print(f"frames {SIZE[0]}x{SIZE[1]}, downscaled to {MAX_SIDE}, one core, cv2 threads 1\n")

    if args.only != "robustness":
        report_speed(1.0 if args.quick else 3.0)
    if args.only != "speed":
        report_robustness(args.quick)
    return 0


def report_speed(seconds: float) -> None:
    speeds = speed(seconds)
    print(f"{'decoder':8} {'no code':>9} {'QR':>9} {'EAN-13':>9}   (pipeline frames/s, median "
          f"of 6 interleaved rounds)")
    for name, row in speeds.items():
        print(f"{name:8} " + " ".join(f"{row[k]:9.1f}" for k in ("no code", "QR", "EAN-13")))
    base = speeds["zxing"]
    for other in ("pyzbar", "opencv"):
        ratios = ", ".join(f"{k} {base[k] / speeds[other][k]:.1f}x" for k in base)
        print(f"zxing vs {other}: {ratios}")


def report_robustness(quick: bool) -> None:
    for level in LEVELS:
        count = 40 if quick else (200 if level == "moderate" else 60)
        samples = make_samples(count, level)
        print(f"\n{level} distorted set: {len(samples)} images (noise, blur, rotation, "
              f"low contrast, scale): {LEVELS[level]}")
        print(f"{'decoder':8} {'code':8} {'n':>4} {'raw wrong':>10} {'1-frame read':>13} "
              f"{'wrong reads':>12} {'accepted (2 reads)':>19} {'wrong accepted':>15}")
        for name, per_kind in robustness(samples).items():
            for kind, row in per_kind.items():
                n = row["n"]
                print(f"{name:8} {kind:8} {n:4d} {row['wrong_raw']:10d} "
                      f"{100 * row['read'] / n:12.1f}% {row['wrong_read']:12d} "
                      f"{100 * row['accepted'] / n:18.1f}% {row['wrong_accepted']:15d}")


if __name__ == "__main__":
    raise SystemExit(main())
