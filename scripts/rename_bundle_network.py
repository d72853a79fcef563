#!/usr/bin/env python3
"""Renames one GradStyle network inside a bundle (.safetensors): tensors `OLD.*` become `NEW.*` and the metadata key
`OLD.config` becomes `NEW.config`; everything else is copied byte for byte. Used for the ablation report, where the
network trained as `gradstyle` before a default changed is shown under the name of what it measures.

    scripts/rename_bundle_network.py IN.safetensors OUT.safetensors OLD NEW
"""
import json
import struct
import sys


def main(src, dst, old, new):
    with open(src, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    meta = header.pop("__metadata__", {})
    if old + ".config" not in meta:
        sys.exit(f"{src}: no network '{old}' (no '{old}.config' in the metadata)")
    if new + ".config" in meta:
        sys.exit(f"{src}: already has a network '{new}'")
    renamed = {(new + k[len(old):] if k.startswith(old + ".") else k): v for k, v in header.items()}
    meta[new + ".config"] = meta.pop(old + ".config")
    renamed["__metadata__"] = meta
    text = json.dumps(renamed, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
