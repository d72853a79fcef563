#!/usr/bin/python3
"""Writes the fixtures TensorIOTests reads into Tests/TensorIOTests/Fixtures/.

The `.pt` files are written by real PyTorch (`torch.save`), the `.npy` files by numpy, and `reference.safetensors`
by the `safetensors` package, so the Swift readers are checked against the formats' own implementations. Expected
tensor values go next to each checkpoint as `<name>.expected.safetensors`, written by a few lines of Python below
(not by the Swift writer under test), holding every tensor of the checkpoint contiguous under its dotted name.

Needs Debian's PyTorch for /usr/bin/python3 (`apt-get install python3-torch`) and, for the safetensors fixture,
the `safetensors` wheel on the path: `pip install --target /tmp/st safetensors` then
`PYTHONPATH=/tmp/st /usr/bin/python3 scripts/make_pt_fixtures.py`. Output is deterministic (fixed seeds),
except the storage keys of views_legacy.pt, which the legacy format takes from memory addresses.
"""
import argparse
import collections
import copy
import json
import os
import struct
import zipfile

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TensorIOTests", "Fixtures")

ST_DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}


def flatten(value, prefix="", out=None):
    """Every tensor under `value` by dotted path: dict keys (str or int) and list/tuple indices name the levels."""
    out = collections.OrderedDict() if out is None else out
    join = (lambda k: f"{prefix}.{k}") if prefix else (lambda k: str(k))
    if isinstance(value, torch.Tensor):
        out[prefix] = value
    elif isinstance(value, np.ndarray):
        out[prefix] = torch.from_numpy(value)
    elif isinstance(value, argparse.Namespace):
        flatten(vars(value), prefix, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, (str, int)) and not isinstance(k, bool):
                flatten(v, join(k), out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            flatten(v, join(i), out)
    return out


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_expected(name, tensors):
    """A minimal safetensors writer: JSON header (padded to 8 bytes) then the tensors' bytes in name order."""
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        t = tensors[key]
        data = tensor_bytes(t)
        header[key] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(OUT, name + ".expected.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def save(name, obj, legacy=False):
    path = os.path.join(OUT, name + ".pt")
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    # Check the fixture loads back in PyTorch as what we meant.
    back = torch.load(path)
    expected = flatten(obj)
    got = flatten(back)
    assert list(expected) == list(got), (name, list(expected), list(got))
    for k in expected:
        assert torch.equal(expected[k], got[k]), (name, k)
    return expected


class Tiny(nn.Module):
    """Conv + batch norm + linear: parameters, float buffers and the int64 `num_batches_tracked`."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(4, 2)


class ModulatedConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, 2, 2, 3, 3))
        self.modulation = nn.Linear(4, 2)


class Generator(nn.Module):
    """Names in the style of rosinality's StyleGAN2: style.1.weight, conv1.conv.modulation.weight, noises.noise_0."""

    def __init__(self):
        super().__init__()
        self.style = nn.Sequential(nn.Identity(), nn.Linear(4, 4))
        self.conv1 = nn.Module()
        self.conv1.conv = ModulatedConv()
        self.noises = nn.Module()
        self.noises.register_buffer("noise_0", torch.randn(1, 1, 2, 2))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 1)))
        self.final_linear = nn.Sequential(nn.Linear(2, 1))


def module_state():
    torch.manual_seed(0)
    model = Tiny()
    model.train()
    model.bn(torch.randn(2, 3, 4, 4))  # moves running stats, num_batches_tracked = 1
    expected = save("module_state", model.state_dict())
    write_expected("module_state", expected)


def encoder_state():
    torch.manual_seed(1)
    return collections.OrderedDict([
        ("encoder.body.0.weight", torch.randn(2, 3, 1, 1)),
        ("encoder.styles.0.linear.weight", torch.randn(3, 2)),
        ("decoder.style.1.weight", torch.randn(4, 4)),
        ("decoder.noises.noise_0", torch.randn(1, 1, 2, 2)),
    ])


def psp_like():
    torch.manual_seed(2)
    opts = {"exp_dir": "experiments/ffhq", "encoder_type": "GradualStyleEncoder", "input_nc": 3,
            "learning_rate": 0.0001, "start_from_latent_avg": True, "output_size": 1024, "checkpoint_path": None,
            "lpips_lambda": 0.8, "device": "cuda:0"}
    ckpt = {"state_dict": encoder_state(), "latent_avg": torch.randn(4, 8), "opts": opts}
    expected = save("psp_like", ckpt)
    write_expected("psp_like", expected)


def e4e_like():
    torch.manual_seed(3)
    opts = argparse.Namespace(exp_dir="experiments/e4e", encoder_type="Encoder4Editing", stylegan_size=1024,
                              w_discriminator_lambda=0.1, progressive_steps=[0, 2000, 4000], use_w_pool=True,
                              checkpoint_path=None)
    ckpt = {
        "state_dict": encoder_state(),
        "latent_avg": torch.randn(4, 8),
        "opts": opts,
        "best_val_loss": np.float64(0.25),
        "global_step": np.int64(7000),
        "w_mean_np": np.arange(4, dtype=np.float32) / 8,
    }
    expected = save("e4e_like", ckpt)
    write_expected("e4e_like", expected)


def rosinality_like():
    torch.manual_seed(4)
    g, d = Generator(), Discriminator()
    g_ema = copy.deepcopy(g)
    with torch.no_grad():
        for p in g_ema.parameters():
            p.mul_(0.5)
    g_optim = torch.optim.Adam(g.parameters(), lr=0.002, betas=(0, 0.99))
    g.style(torch.randn(2, 4)).sum().backward()
    g_optim.step()
    args = argparse.Namespace(size=256, channel_multiplier=2, r1=10.0, path_regularize=2.0, mixing=0.9)
    ckpt = {"g": g.state_dict(), "d": d.state_dict(), "g_ema": g_ema.state_dict(), "g_optim": g_optim.state_dict(),
            "args": args, "ada_aug_p": 0.0, "latent_avg": torch.randn(4)}
    expected = save("rosinality_like", ckpt)
    write_expected("rosinality_like", expected)


def views(legacy):
    torch.manual_seed(5)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {
        "transposed_slice": base[1:, 2:5].t(),  # storage offset 8, strides (1, 6)
        "shared": [base[0], base[3]],  # two views of the same storage
        "expanded": torch.arange(4.0).expand(3, 4),  # stride 0
        "step_slice": torch.arange(10, dtype=torch.int64)[1::3],
        "f64": torch.tensor([1.5, -2.25], dtype=torch.float64),
        "f16": torch.randn(2, 3).half(),
        "bf16": torch.randn(5).bfloat16(),
        "i64": torch.tensor([-3, 0, 2 ** 40]),
        "i32": torch.tensor([-70000, 5], dtype=torch.int32),
        "i16": torch.tensor([-300, 7], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 200, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "param": nn.Parameter(torch.ones(2)),
        "size": torch.Size([2, 3]),
        "device": torch.device("cpu"),
        "dtype": torch.float16,
        "plain": {"tuple": (1, 2.5, "x", None, True), "bytes": b"\x00\x01\xff", "set": {3},
                  "slice": slice(1, 5, 2), "big": 2 ** 40, "neg": -5, "unicode": "λ-ß"},
    }
    name = "views_legacy" if legacy else "views"
    expected = save(name, obj, legacy=legacy)
    write_expected(name, expected)


def deflated_copy():
    """views.pt re-zipped with deflate: torch.save never compresses, but a re-packed checkpoint may be."""
    with zipfile.ZipFile(os.path.join(OUT, "views.pt")) as src, \
            zipfile.ZipFile(os.path.join(OUT, "views_deflated.pt"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    assert flatten(torch.load(os.path.join(OUT, "views_deflated.pt"))).keys() == flatten(
        torch.load(os.path.join(OUT, "views.pt"))).keys()


def npy_files():
    arrays = {
        "npy_f32": np.arange(6, dtype="<f4").reshape(2, 3) / 4,
        "npy_i64_scalar": np.array(-7, dtype="<i8"),
        "npy_bool": np.array([True, False, True]),
        "npy_f16": (np.arange(5, dtype="<f2") - 2) / 2,
        "npy_u8_3d": np.arange(8, dtype="|u1").reshape(2, 2, 2),
        "npy_f64_empty": np.zeros((0, 3), dtype="<f8"),
        "npy_fortran": np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)),
        "npy_bigendian": np.arange(3, dtype=">f4"),
    }
    for name, a in arrays.items():
        np.save(os.path.join(OUT, name + ".npy"), a)
    with open(os.path.join(OUT, "npy_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, np.arange(4, dtype="<i4"), version=(2, 0))


def reference_safetensors():
    try:
        from safetensors.numpy import save_file
    except ImportError:
        print("safetensors is not installed; keeping the existing reference.safetensors")
        return
    tensors = {
        "layer.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 8,
        "layer.bias": np.array([0.5, -1.0], dtype=np.float16),
        "steps": np.array([3, 2 ** 40], dtype=np.int64),
        "mask": np.array([True, False]),
        "bytes": np.arange(5, dtype=np.uint8),
        "scalar": np.array(2.5, dtype=np.float64),
        "empty": np.zeros((0, 2), dtype=np.int32),
    }
    # One metadata key: the reference writer keeps metadata in a hash map, so the order of several is arbitrary.
    save_file(tensors, os.path.join(OUT, "reference.safetensors"),
              metadata={"config": '{"size": 256, "note": "quote \\" and \\\\ backslash"}'})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    module_state()
    psp_like()
    e4e_like()
    rosinality_like()
    views(legacy=False)
    views(legacy=True)
    deflated_copy()
    npy_files()
    reference_safetensors()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} fixtures, {total} bytes, to {os.path.normpath(OUT)}")
