#!/usr/bin/python3
"""Writes the HFGI fixtures that Tests/ModelsTests/HFGIReferenceTests.swift reads (Tests/ModelsTests/Fixtures/hfgi_*).

Runs the public HFGI code (Tengfei-Wang/HFGI, commit e30f33c; not part of this repository) on CPU with Debian's
PyTorch (`apt-get install python3-torch`):

    /usr/bin/python3 scripts/make_hfgi_fixtures.py HFGI_CHECKOUT

The checkout is copied to a temporary folder and only literal constants are replaced there (each replacement must
match exactly once, or the script stops), so that a random-weight model in the official layout stays a few hundred
KB: the widths of the IR-SE50 encoder, the generator's channel table and style width, HFGI's residual encoder and ADA
widths, and the interpolation sizes that follow from a 32² input instead of 256² (ADA: 64/128/256 → 8/16/32; the
conditions keep their 64², the generator's injection layer). Encoder4Editing's `range(1, 18)` becomes
`range(1, self.style_count)` (18 is the 1024² style count). The CUDA ops package compiles at import; its `load` is
stubbed and `upfirdn2d` / `fused_leaky_relu` call the same file's `upfirdn2d_native` / the op's defining formula
(leaky_relu(x + b) · √2), as rosinality's later CPU paths do.

Model (all of it a pSp built by models/psp.py from the saved checkpoint, `is_train` False, evaluation mode):
- encoder: Encoder4Editing(50, 'ir_se'), 32² input, widths 2/4/6/8, one unit per stage, SE reduction 2;
- decoder: Generator(64, style 8, n_mlp 2), 8 channels at every resolution → 10 styles of width 8;
- residue (ResidualEncoder): widths 4 / 6 / 8, conditions 8 → 10 → 8 channels;
- grid_align (ResidualAligner): widths 4 / 6 / 8 / 10, decoder 18→8→6→6, 12→6→4→4, 8→4→3→3.
Weights: the modules' own initialisation after `torch.manual_seed(0)`, then every BatchNorm weight / running_var
~ U(0.5, 1.5), bias / running_mean ~ 0.1·N(0, 1), PReLU slopes ~ U(0, 0.5), every other `bias` ~ 0.1·N(0, 1),
noise strengths ~ 0.3·N(0, 1), latent_avg = the mean of 1000 mapped z (one row repeated, as pSp stores it).

Files:
- `keys_hfgi_official.txt`: "name shape" per state-dict entry of the unpatched `ResidualEncoder` / `ResidualAligner`
  (the official widths; shapes joined by 'x', '-' for a scalar).
- `hfgi_g64.pt`: `{state_dict: {encoder.*, decoder.*, residue.*, grid_align.*}, latent_avg (10×8), opts}` — the
  layout of HFGI's released checkpoints (saved in the legacy format).
- `hfgi_x.npy` (1×3×32×32 ~ U(−1, 1)), `hfgi_direction.npy` (1×8, unit norm), edit factor 3 (`hfgi_factor.npy`).
- inference.py's flow, batched: `hfgi_latents.npy` = encoder(x) + latent_avg; `hfgi_rec_aligned.npy` = grid_align(
  cat(res, first pass)); `hfgi_rec_scale.npy` / `hfgi_rec_shift.npy` = the conditions at every 8th pixel
  ([:, :, ::8, ::8]); `hfgi_rec.npy` = G([w], conditions) (64², before the script's resize);
  `hfgi_edit_*` the same for `LatentEditor.apply_interfacegan(w, direction, factor)`.
"""
import os
import shutil
import sys
import tempfile
import types

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ModelsTests", "Fixtures")


def patch(root, path, old, new, within=None):
    """Replaces `old` by `new` exactly once in `path` (inside the text of class `within` when given)."""
    full = os.path.join(root, path)
    text = open(full).read()
    start, end = 0, len(text)
    if within is not None:
        start = text.index(f"class {within}(")
        nxt = text.find("\nclass ", start + 1)
        end = nxt if nxt >= 0 else len(text)
    segment = text[start:end]
    if segment.count(old) != 1:
        sys.exit(f"make_hfgi_fixtures.py: {path}: expected one '{old}' (in {within}), found {segment.count(old)}")
    open(full, "w").write(text[:start] + segment.replace(old, new) + text[end:])


def patched_copy(src, shrink=True):
    root = tempfile.mkdtemp(prefix="hfgi_ref_")
    for d in ["models", "configs", "editings", "utils"]:
        if os.path.isdir(os.path.join(src, d)):
            shutil.copytree(os.path.join(src, d), os.path.join(root, d),
                            ignore=shutil.ignore_patterns("*.pyc", "__pycache__", "*.pt"))
    for f in ["editings/__init__.py", "utils/__init__.py"]:
        if not os.path.exists(os.path.join(root, f)):
            open(os.path.join(root, f), "w").close()
    enc = "models/encoders/psp_encoders.py"
    patch_ops(root)
    if not shrink:
        return root
    # IR-SE50 → one unit per stage, widths 2/4/6/8.
    h = "models/encoders/helpers.py"
    patch(root, h, """            get_block(in_channel=64, depth=64, num_units=3),
            get_block(in_channel=64, depth=128, num_units=4),
            get_block(in_channel=128, depth=256, num_units=14),
            get_block(in_channel=256, depth=512, num_units=3)""",
          """            get_block(in_channel=2, depth=2, num_units=1),
            get_block(in_channel=2, depth=4, num_units=1),
            get_block(in_channel=4, depth=6, num_units=1),
            get_block(in_channel=6, depth=8, num_units=1)""")
    patch(root, h, "SEModule(depth, 16)", "SEModule(depth, 2)")
    e = "Encoder4Editing"
    patch(root, enc, "Conv2d(3, 64, (3, 3), 1, 1, bias=False),\n                                      BatchNorm2d(64),\n"
                     "                                      PReLU(64))",
          "Conv2d(3, 2, (3, 3), 1, 1, bias=False),\n                                      BatchNorm2d(2),\n"
          "                                      PReLU(2))", within=e)
    patch(root, enc, "GradualStyleBlock(512, 512, 16)", "GradualStyleBlock(8, 8, 2)", within=e)
    patch(root, enc, "GradualStyleBlock(512, 512, 32)", "GradualStyleBlock(8, 8, 4)", within=e)
    patch(root, enc, "GradualStyleBlock(512, 512, 64)", "GradualStyleBlock(8, 8, 8)", within=e)
    patch(root, enc, "nn.Conv2d(256, 512,", "nn.Conv2d(6, 8,", within=e)
    patch(root, enc, "nn.Conv2d(128, 512,", "nn.Conv2d(4, 8,", within=e)
    patch(root, enc, "if i == 6:", "if i == 1:", within=e)
    patch(root, enc, "elif i == 20:", "elif i == 2:", within=e)
    patch(root, enc, "elif i == 23:", "elif i == 3:", within=e)
    patch(root, enc, "for i in range(1, 18):", "for i in range(1, self.style_count):", within=e)
    # Residual (consultation) encoder.
    r = "ResidualEncoder"
    patch(root, enc, "Conv2d(3, 32, (3, 3), 1, 1, bias=False),\n                                      BatchNorm2d(32),\n"
                     "                                      PReLU(32))",
          "Conv2d(3, 4, (3, 3), 1, 1, bias=False),\n                                      BatchNorm2d(4),\n"
          "                                      PReLU(4))", within=r)
    patch(root, enc, "bottleneck_IR(32,48,2), bottleneck_IR(48,48,1), bottleneck_IR(48,48,1)",
          "bottleneck_IR(4,6,2), bottleneck_IR(6,6,1), bottleneck_IR(6,6,1)", within=r)
    patch(root, enc, "bottleneck_IR(48,64,2), bottleneck_IR(64,64,1), bottleneck_IR(64,64,1)",
          "bottleneck_IR(6,8,2), bottleneck_IR(8,8,1), bottleneck_IR(8,8,1)", within=r)
    for name in ["scale3", "shift3"]:
        patch(root, enc, f"""self.condition_{name} = nn.Sequential(
                    EqualConv2d(64, 512, 3, stride=1, padding=1, bias=True ),
                    ScaledLeakyReLU(0.2),
                    EqualConv2d(512, 512, 3, stride=1, padding=1, bias=True ))""",
              f"""self.condition_{name} = nn.Sequential(
                    EqualConv2d(8, 10, 3, stride=1, padding=1, bias=True ),
                    ScaledLeakyReLU(0.2),
                    EqualConv2d(10, 8, 3, stride=1, padding=1, bias=True ))""", within=r)
    # ADA.
    a = "ResidualAligner"
    for old, new in [
        ("Conv2d(6, 16, (3, 3), 1, 1, bias=False),\n                                      BatchNorm2d(16),\n"
         "                                      PReLU(16))",
         "Conv2d(6, 4, (3, 3), 1, 1, bias=False),\n                                      BatchNorm2d(4),\n"
         "                                      PReLU(4))"),
        ("bottleneck_IR(16,32,2), bottleneck_IR(32,32,1), bottleneck_IR(32,32,1)",
         "bottleneck_IR(4,6,2), bottleneck_IR(6,6,1), bottleneck_IR(6,6,1)"),
        ("bottleneck_IR(32,48,2), bottleneck_IR(48,48,1), bottleneck_IR(48,48,1)",
         "bottleneck_IR(6,8,2), bottleneck_IR(8,8,1), bottleneck_IR(8,8,1)"),
        ("bottleneck_IR(48,64,2), bottleneck_IR(64,64,1), bottleneck_IR(64,64,1)",
         "bottleneck_IR(8,10,2), bottleneck_IR(10,10,1), bottleneck_IR(10,10,1)"),
        ("bottleneck_IR(112,64,1), bottleneck_IR(64,32,1), bottleneck_IR(32,32,1)",
         "bottleneck_IR(18,8,1), bottleneck_IR(8,6,1), bottleneck_IR(6,6,1)"),
        ("bottleneck_IR(64,32,1), bottleneck_IR(32,16,1), bottleneck_IR(16,16,1)",
         "bottleneck_IR(12,6,1), bottleneck_IR(6,4,1), bottleneck_IR(4,4,1)"),
        ("bottleneck_IR(32,16,1), bottleneck_IR(16,3,1), bottleneck_IR(3,3,1)",
         "bottleneck_IR(8,4,1), bottleneck_IR(4,3,1), bottleneck_IR(3,3,1)"),
        ("size=(64,64)", "size=(8,8)"), ("size=(128,128)", "size=(16,16)"), ("size=(256,256)", "size=(32,32)"),
    ]:
        patch(root, enc, old, new, within=a)
    # Generator: channel table and style width.
    patch(root, "models/stylegan2/model.py", """            4: 512,
            8: 512,
            16: 512,
            32: 512,
            64: 256 * channel_multiplier,""", """            4: 8,
            8: 8,
            16: 8,
            32: 8,
            64: 4 * channel_multiplier,""", within="Generator")
    patch(root, "models/psp.py", "Generator(opts.stylegan_size, 512, 8, channel_multiplier=2)",
          "Generator(opts.stylegan_size, 8, 2, channel_multiplier=2)")
    return root


def patch_ops(root):
    """The CUDA ops package → its CPU formulas."""
    patch(root, "models/stylegan2/op/upfirdn2d.py", "from torch.utils.cpp_extension import load",
          "from torch.utils.cpp_extension import load\nfrom torch.nn import functional as F")
    patch(root, "models/stylegan2/op/upfirdn2d.py", """    out = UpFirDn2d.apply(
        input, kernel, (up, up), (down, down), (pad[0], pad[1], pad[0], pad[1])
    )""", """    n, c, h, w = input.shape
    out = upfirdn2d_native(input.reshape(-1, h, w, 1), kernel, up, up, down, down, pad[0], pad[1], pad[0], pad[1])
    out = out.reshape(n, c, out.shape[1], out.shape[2])""")
    patch(root, "models/stylegan2/op/fused_act.py", "    return FusedLeakyReLUFunction.apply(input, bias, negative_slope, scale)",
          "    shape = [1, -1] + [1] * (input.ndim - 2)\n"
          "    return torch.nn.functional.leaky_relu(input + bias.view(shape), negative_slope) * scale")


def randomise(module, gen):
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            parent = module.get_submodule(name.rsplit(".", 1)[0]) if "." in name else module
            leaf = name.rsplit(".", 1)[-1]
            if isinstance(parent, torch.nn.BatchNorm2d):
                if leaf in ("weight", "running_var"):
                    t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
                elif leaf in ("bias", "running_mean"):
                    t.copy_(0.1 * torch.randn(t.shape, generator=gen))
                elif leaf == "num_batches_tracked":
                    t.fill_(7)
            elif isinstance(parent, torch.nn.PReLU):
                t.copy_(0.5 * torch.rand(t.shape, generator=gen))
            elif leaf == "bias":
                t.copy_(0.1 * torch.randn(t.shape, generator=gen))
            elif name.endswith("noise.weight"):
                t.copy_(0.3 * torch.randn(t.shape, generator=gen))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_hfgi_fixtures.py HFGI_CHECKOUT")
    write_official_keys(sys.argv[1])
    root = patched_copy(sys.argv[1])
    import torch.utils.cpp_extension
    torch.utils.cpp_extension.load = lambda *a, **k: None
    sys.modules["torchvision"] = types.ModuleType("torchvision")  # psp.py's training-time RandomPerspective only
    tv = types.ModuleType("torchvision.transforms")
    tv.RandomPerspective = lambda **k: None
    sys.modules["torchvision"].transforms = tv
    sys.modules["torchvision.transforms"] = tv
    sys.path.insert(0, root)
    import argparse
    from models.encoders import psp_encoders
    from models.stylegan2.model import Generator
    from models.psp import pSp
    from editings.latent_editor import LatentEditor

    torch.manual_seed(0)
    opts = dict(encoder_type="Encoder4Editing", stylegan_size=64, start_from_latent_avg=True,
                dataset_type="ffhq_encode", distortion_scale=0.15, aug_rate=0.8, input_nc=3, device="cpu")
    ns = argparse.Namespace(**opts)
    modules = {
        "encoder": psp_encoders.Encoder4Editing(50, "ir_se", ns),
        "decoder": Generator(64, 8, 2, channel_multiplier=2),
        "residue": psp_encoders.ResidualEncoder(),
        "grid_align": psp_encoders.ResidualAligner(),
    }
    gen = torch.Generator().manual_seed(17)
    state = {}
    for prefix, m in modules.items():
        randomise(m, gen)
        for k, v in m.state_dict().items():
            state[f"{prefix}.{k}"] = v.clone()
    with torch.no_grad():
        g = modules["decoder"].eval()
        mean = g.style(torch.randn(1000, 8, generator=gen)).mean(0, keepdim=True)
    latent_avg = mean.repeat(10, 1)
    path = os.path.join(OUT, "hfgi_g64.pt")
    # The legacy (non-zip) format: a third smaller for 600 small tensors; the loader reads both.
    torch.save({"state_dict": state, "latent_avg": latent_avg, "opts": opts}, path, _use_new_zipfile_serialization=False)

    # The model as HFGI builds it from a checkpoint (utils/model_utils.setup_model, without its size override).
    load_opts = dict(opts, checkpoint_path=path, is_train=False)
    net = pSp(argparse.Namespace(**load_opts)).eval()

    x = torch.rand(1, 3, 32, 32, generator=gen) * 2 - 1
    direction = torch.randn(1, 8, generator=gen)
    direction = direction / direction.norm()  # InterFaceGAN directions are unit normals
    factor = 3.0
    save = lambda name, t: np.save(os.path.join(OUT, f"hfgi_{name}.npy"), t.detach().numpy().astype(np.float32))
    F = torch.nn.functional
    with torch.no_grad():
        codes = net.encoder(x) + net.latent_avg.repeat(x.shape[0], 1, 1)  # inference.py get_latents
        generator = net.decoder
        editor = LatentEditor(net.decoder, False)
        imgs, _ = generator([codes], None, input_is_latent=True, randomize_noise=False, return_latents=True)
        res = x - F.interpolate(torch.clamp(imgs, -1., 1.), size=(32, 32), mode="bilinear")
        save("x", x)
        save("direction", direction)
        save("factor", torch.tensor([factor]))
        save("latents", codes)
        for tag, (img_edit, edit_latents) in {
            "rec": (imgs, codes),
            "edit": editor.apply_interfacegan(codes, direction, factor=factor),
        }.items():
            img_edit = F.interpolate(torch.clamp(img_edit, -1., 1.), size=(32, 32), mode="bilinear")
            res_align = net.grid_align(torch.cat((res, img_edit), 1))
            conditions = net.residue(res_align)
            out, _ = generator([edit_latents], conditions, input_is_latent=True, randomize_noise=False,
                               return_latents=True)
            save(f"{tag}_aligned", res_align)
            save(f"{tag}_scale", conditions[0][:, :, ::8, ::8])
            save(f"{tag}_shift", conditions[1][:, :, ::8, ::8])
            save(tag, out)
            print(tag, "image range", float(out.min()), float(out.max()),
                  "condition std", float(conditions[0].std()), float(conditions[1].std()))
    shutil.rmtree(root)
    print("wrote", path, os.path.getsize(path), "bytes")


def write_official_keys(src):
    """`keys_hfgi_official.txt`: "name shape" per entry of the UNPATCHED ResidualEncoder and ResidualAligner (with the
    `residue.` / `grid_align.` prefixes of pSp), run in a child process so that the patched copy imports cleanly."""
    import subprocess
    root = patched_copy(src, shrink=False)
    code = (
        "import sys, torch.utils.cpp_extension\n"
        "torch.utils.cpp_extension.load = lambda *a, **k: None\n"
        f"sys.path.insert(0, {root!r})\n"
        "from models.encoders import psp_encoders\n"
        "for prefix, m in [('residue', psp_encoders.ResidualEncoder()), ('grid_align', psp_encoders.ResidualAligner())]:\n"
        "    for k, v in m.state_dict().items(): print(f'{prefix}.{k}', 'x'.join(map(str, v.shape)) or '-')\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    with open(os.path.join(OUT, "keys_hfgi_official.txt"), "w") as f:
        f.write(out)
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
