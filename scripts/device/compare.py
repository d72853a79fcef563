#!/usr/bin/env python3
"""Compares two outputs of gradstyle (one device against another, or against a reference) and prints ONE line:
`ok NAME: ...` (exit 0) or `FAIL NAME: ...` (exit 1).

    compare.py NAME A B [--rtol R] [--png-max L] [--png-frac F] [--skip-prefix P ...]

A and B: .npy arrays, .png images, .safetensors files (every tensor), or folders (every such file in A, by name).
Float data: the relative error ||a - b|| / ||b|| of each array must be <= --rtol; NaN or a shape mismatch fails.
PNG (8-bit): at most --png-max levels apart anywhere and at most --png-frac of the values more than one level apart
(rounding to 8 bits turns an fp32 difference of 1e-6 into a one-level flip now and then).
Needs numpy only; reads PNG with Pillow when present, else with the small decoder below.
"""
import argparse
import json
import os
import struct
import sys
import zlib

import numpy as np


def read_png(path):
    try:
        from PIL import Image
        return np.asarray(Image.open(path)).astype(np.int16)
    except ImportError:
        pass
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: only 8-bit non-interlaced gray/RGB/RGBA PNGs are read without Pillow")
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
    out = np.zeros((height, width * channels), np.int32)
    prev = np.zeros(width * channels, np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        cur = np.zeros_like(line)
        for x in range(len(line)):
            a = cur[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 0: pred = 0
            elif kind == 1: pred = a
            elif kind == 2: pred = b
            elif kind == 3: pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[x] = (line[x] + pred) & 0xFF
        out[y], prev = cur, cur
    return out.reshape(height, width, channels).astype(np.int16)


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    dtypes = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32,
              "U8": np.uint8, "I8": np.int8, "BOOL": np.bool_}
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in dtypes:
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + start:8 + n + end], dtypes[info["dtype"]]).reshape(info["shape"])
    return out


def rel_error(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return None, f"shape {a.shape} vs {b.shape}"
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return None, "non-finite values"
    denom = np.linalg.norm(b)
    diff = np.linalg.norm(a - b)
    return (diff / denom if denom > 0 else diff), None


def compare_arrays(pairs, rtol):
    """pairs: name -> (a, b). Returns (worst, worst_name, problems)."""
    worst, worst_name, problems = 0.0, "", []
    for name, (a, b) in pairs.items():
        err, why = rel_error(a, b)
        if why:
            problems.append(f"{name}: {why}")
            continue
        if err > worst:
            worst, worst_name = err, name
        if err > rtol:
            problems.append(f"{name}: rel {err:.2e} > {rtol:.0e}")
    return worst, worst_name, problems


def files_of(path):
    if os.path.isdir(path):
        return sorted(f for f in os.listdir(path) if f.endswith((".npy", ".png", ".safetensors")))
    return [None]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--png-max", type=int, default=3)
    p.add_argument("--png-frac", type=float, default=0.01)
    p.add_argument("--skip-prefix", action="append", default=[], help="safetensors names to leave out")
    args = p.parse_args()

    problems, details, float_pairs = [], [], {}
    png_max, png_frac, png_count = 0, 0.0, 0
    names = files_of(args.a)
    if names == []:
        problems.append(f"{args.a} holds no .npy/.png/.safetensors")
    for f in names:
        a_path = args.a if f is None else os.path.join(args.a, f)
        b_path = args.b if f is None else os.path.join(args.b, f)
        label = os.path.basename(a_path)
        if not os.path.exists(b_path):
            problems.append(f"{b_path} missing")
            continue
        try:
            if a_path.endswith(".npy"):
                float_pairs[label] = (np.load(a_path), np.load(b_path))
            elif a_path.endswith(".safetensors"):
                ta, tb = read_safetensors(a_path), read_safetensors(b_path)
                if set(ta) != set(tb):
                    problems.append(f"{label}: tensor names differ ({len(set(ta) ^ set(tb))} not in both)")
                for k in sorted(set(ta) & set(tb)):
                    if any(k.startswith(s) for s in args.skip_prefix) or ta[k].dtype.kind not in "fc":
                        continue
                    float_pairs[f"{label}:{k}"] = (ta[k], tb[k])
            elif a_path.endswith(".png"):
                ia, ib = read_png(a_path), read_png(b_path)
                if ia.shape != ib.shape:
                    problems.append(f"{label}: shape {ia.shape} vs {ib.shape}")
                    continue
                d = np.abs(ia - ib)
                png_count += 1
                png_max = max(png_max, int(d.max()))
                png_frac = max(png_frac, float((d > 1).mean()))
        except Exception as e:  # one line per unreadable file, never a traceback
            problems.append(f"{label}: {e}")
    if float_pairs:
        worst, worst_name, float_problems = compare_arrays(float_pairs, args.rtol)
        problems += float_problems
        details.append(f"{len(float_pairs)} arrays, worst rel {worst:.2e} ({worst_name}), tol {args.rtol:.0e}")
    if png_count:
        if png_max > args.png_max:
            problems.append(f"PNG values {png_max} levels apart > {args.png_max}")
        if png_frac > args.png_frac:
            problems.append(f"{png_frac:.2%} of PNG values > 1 level apart > {args.png_frac:.2%}")
        details.append(f"{png_count} PNGs, max {png_max} levels, {png_frac:.3%} > 1 level")
    if not details and not problems:
        problems.append("nothing compared")
    if problems:
        shown = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        print(f"FAIL {args.name}: {shown}")
        return 1
    print(f"ok {args.name}: " + "; ".join(details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
