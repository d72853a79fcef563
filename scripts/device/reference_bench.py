#!/usr/bin/env python3
"""PyTorch reference timings for scripts/device/check.sh, from public code carried as files (never committed here):

  --rosinality DIR   rosinality/stylegan2-pytorch: DIR/model.py and DIR/op/ -> the generator at --size, random weights
  --hfgi DIR         Tengfei-Wang/HFGI: DIR/models/ -> e4e (IR-SE50) + generator 1024² + ADA + consultation encoder,
                     random weights, timed as scripts/inference.py runs invert + one InterFaceGAN edit

Both run with the code's plain-PyTorch ops: torch.utils.cpp_extension.load is stubbed before import (so nothing is
compiled) and the compiled ops' autograd Functions are replaced by the code's own reference paths (upfirdn2d_native;
fused_leaky_relu's CPU formula). Timing: CUDA events (or the wall clock on the CPU) around each batch after warm-up,
median of --repeats; peak memory from torch.cuda.max_memory_allocated. Writes one JSON file (--json).
"""
import argparse
import importlib
import inspect
import json
import os
import statistics
import sys
import time
import types

import torch
import torch.nn.functional as F


def stub_cpp_extension():
    import torch.utils.cpp_extension as ext

    def load(name, *args, **kwargs):
        return types.SimpleNamespace(__name__=name)  # any use of the compiled op would fail loudly

    ext.load = load


def plain_ops(upfirdn2d_module, fused_act_module):
    """Routes the compiled ops' Functions to the module's own native code paths."""
    native = upfirdn2d_module.upfirdn2d_native
    nchw = "channel, in_h, in_w = input.shape" in inspect.getsource(native)
    if not hasattr(upfirdn2d_module, "F"):  # HFGI's copy never calls its native path, and lacks this import
        upfirdn2d_module.F = F

    def upfirdn2d_apply(input, kernel, up, down, pad):
        if nchw:  # rosinality's current layout: N×C×H×W in and out
            return native(input, kernel, *up, *down, *pad)
        n, c, h, w = input.shape  # older copies (HFGI): (N·C)×H×W×1 in and out
        out = native(input.reshape(-1, h, w, 1), kernel, *up, *down, *pad)
        return out.reshape(n, c, out.shape[1], out.shape[2])

    def fused_apply(input, bias, negative_slope, scale):
        if bias is not None:
            input = input + bias.view(1, bias.shape[0], *([1] * (input.ndim - 2)))
        return F.leaky_relu(input, negative_slope=negative_slope) * scale

    upfirdn2d_module.UpFirDn2d.apply = staticmethod(upfirdn2d_apply)
    fused_act_module.FusedLeakyReLUFunction.apply = staticmethod(fused_apply)


def timer(device, fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / 1000)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() if device.type == "cuda" else None
    return statistics.median(times), peak


def row(what, batch, seconds, peak):
    r = {"what": what, "batch": batch, "seconds_per_batch": seconds, "ms_per_image": 1000 * seconds / batch,
         "images_per_second": batch / seconds, "peak_gpu_bytes": peak}
    print(f"| {what} | {batch} | {r['ms_per_image']:.2f} | {r['images_per_second']:.2f} | "
          f"{'' if peak is None else f'{peak / 2**30:.2f} GiB'} |", flush=True)
    return r


def rosinality_generator(root, size, batches, device, warmup, repeats):
    sys.path.insert(0, root)
    stub_cpp_extension()
    op = importlib.import_module("op")
    plain_ops(sys.modules["op.upfirdn2d"], sys.modules["op.fused_act"])
    model = importlib.import_module("model")
    g = model.Generator(size, 512, 8, channel_multiplier=2).to(device).eval()
    rows = []
    for b in batches:
        w = torch.randn(b, g.n_latent, 512, device=device)

        @torch.no_grad()
        def run():
            g([w], input_is_latent=True, randomize_noise=False)

        rows.append(row(f"rosinality generator {size}²", b, *timer(device, run, warmup, repeats)))
    del g
    sys.path.remove(root)
    return rows


def hfgi_invert_edit(root, batches, device, warmup, repeats):
    sys.path.insert(0, root)
    stub_cpp_extension()
    importlib.import_module("models.stylegan2.op")
    plain_ops(sys.modules["models.stylegan2.op.upfirdn2d"], sys.modules["models.stylegan2.op.fused_act"])
    encoders = importlib.import_module("models.encoders.psp_encoders")
    stylegan2 = importlib.import_module("models.stylegan2.model")
    opts = types.SimpleNamespace(stylegan_size=1024)  # HFGI's FFHQ setup: 1024², 18 styles, 256² inputs
    encoder = encoders.Encoder4Editing(50, "ir_se", opts).to(device).eval()
    decoder = stylegan2.Generator(1024, 512, 8, channel_multiplier=2).to(device).eval()
    residue = encoders.ResidualEncoder().to(device).eval()
    grid_align = encoders.ResidualAligner().to(device).eval()
    latent_avg = 0.1 * torch.randn(18, 512, device=device)
    direction = torch.randn(1, 512, device=device)
    direction = direction / direction.norm()
    rows = []
    for b in batches:
        x = torch.rand(b, 3, 256, 256, device=device) * 2 - 1

        @torch.no_grad()
        def run():  # scripts/inference.py, batched: invert, then one InterFaceGAN edit with consultation
            codes = encoder(x) + latent_avg.repeat(b, 1, 1)
            imgs, _ = decoder([codes], None, input_is_latent=True, randomize_noise=False, return_latents=True)
            res = x - F.interpolate(torch.clamp(imgs, -1.0, 1.0), size=(256, 256), mode="bilinear")
            edit_codes = codes + 3.0 * direction
            img_edit, _ = decoder([edit_codes], None, randomize_noise=False, input_is_latent=True)
            img_edit = F.interpolate(torch.clamp(img_edit, -1.0, 1.0), size=(256, 256), mode="bilinear")
            conditions = residue(grid_align(torch.cat((res, img_edit), 1)))
            decoder([edit_codes], conditions, input_is_latent=True, randomize_noise=False, return_latents=True)

        rows.append(row("HFGI invert + one edit (1024²)", b, *timer(device, run, warmup, repeats)))
    sys.path.remove(root)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rosinality")
    p.add_argument("--hfgi")
    p.add_argument("--device", default="cuda")
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--batches", default="1,8,32")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--tf32", action="store_true", help="allow TF32 (default off, as gradstyle's default)")
    p.add_argument("--json", required=True)
    args = p.parse_args()
    for name, path in (("--rosinality", args.rosinality), ("--hfgi", args.hfgi)):
        if path and not os.path.isdir(path):
            sys.exit(f"reference_bench: {name} {path} is not a folder")
    if args.rosinality and not os.path.isfile(os.path.join(args.rosinality, "model.py")):
        sys.exit(f"reference_bench: --rosinality {args.rosinality} has no model.py")
    if args.hfgi and not os.path.isfile(os.path.join(args.hfgi, "models", "encoders", "psp_encoders.py")):
        sys.exit(f"reference_bench: --hfgi {args.hfgi} has no models/encoders/psp_encoders.py")
    if not (args.rosinality or args.hfgi):
        sys.exit("reference_bench: give --rosinality DIR and/or --hfgi DIR")
    if args.size < 4 or args.size & (args.size - 1):
        sys.exit(f"reference_bench: --size {args.size} is not a power of two")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("reference_bench: --device cuda but torch sees no GPU")
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.manual_seed(0)
    batches = [int(b) for b in args.batches.split(",")]
    print("| what | batch | ms/image | images/s | peak GPU memory |\n| --- | ---: | ---: | ---: | ---: |", flush=True)
    rows = []
    if args.rosinality:
        rows += rosinality_generator(args.rosinality, args.size, batches, device, args.warmup, args.repeats)
    if args.hfgi:
        rows += hfgi_invert_edit(args.hfgi, batches, device, args.warmup, args.repeats)
    info = {"torch": torch.__version__, "device": str(device), "tf32": args.tf32,
            "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None, "rows": rows}
    with open(args.json, "w") as f:
        json.dump(info, f, indent=2)


if __name__ == "__main__":
    main()
