#!/usr/bin/env python3
"""Copies the GradStyle networks of bundle B that bundle A lacks into A, writing OUT (.safetensors). Both bundles must
hold the same inversion model (encoder, generator, latent_avg: compared byte for byte), so the networks were trained on
the same frozen parts. The equivalent of `train gradstyle --merge-into`, for networks trained side by side.
B may also be an HFGI model file from `train hfgi` on A's encoder: its networks (residue.*, grid_align.*, the
`hfgi.config` widths) are then carried into A, and `eval` gives A an hfgi row.

    scripts/merge_bundle_networks.py A.safetensors B.safetensors OUT.safetensors
"""
import json
import struct
import sys

SHARED = ("encoder.", "decoder.", "latent_avg")
# Tensor prefixes of each network name whose tensors are not stored under its own name.
TENSOR_PREFIXES = {"hfgi": ("residue", "grid_align")}


def read(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    meta = header.pop("__metadata__", {})
    return header, meta, data


def blob(header, data, name):
    start, end = header[name]["data_offsets"]
    return data[start:end]


def networks(meta):
    return {k[: -len(".config")] for k in meta if k.endswith(".config") and k != "gradstyle.encoder"}


def main(a_path, b_path, out_path):
    a, a_meta, a_data = read(a_path)
    b, b_meta, b_data = read(b_path)
    shared = sorted(k for k in a if k.startswith(SHARED))
    if shared != sorted(k for k in b if k.startswith(SHARED)) or any(
        a[k]["shape"] != b[k]["shape"] or blob(a, a_data, k) != blob(b, b_data, k) for k in shared
    ):
        sys.exit(f"{b_path}: its encoder/generator/latent_avg differ from {a_path}'s")
    new = sorted(networks(b_meta) - networks(a_meta))
    if not new:
        sys.exit(f"{b_path}: no network that {a_path} lacks")
    header, chunks, offset = {}, [], 0
    wanted = {p for n in new for p in TENSOR_PREFIXES.get(n, (n,))}
    for source, data, names in [(a, a_data, sorted(a)), (b, b_data, sorted(k for k in b if k.split(".")[0] in wanted))]:
        for name in names:
            piece = blob(source, data, name)
            header[name] = {"dtype": source[name]["dtype"], "shape": source[name]["shape"],
                            "data_offsets": [offset, offset + len(piece)]}
            chunks.append(piece)
            offset += len(piece)
    meta = dict(a_meta)
    for n in new:
        meta[n + ".config"] = b_meta[n + ".config"]
        for k, v in b_meta.items():
            if k.endswith("." + n + ".trained_steps") or k == n + ".trained_steps":
                meta[k] = v
    header["__metadata__"] = meta
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(out_path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    import os
    os.replace(out_path + ".tmp", out_path)
    print(f"{out_path}: {', '.join(sorted(networks(meta)))}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
