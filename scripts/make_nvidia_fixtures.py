#!/usr/bin/python3
"""Writes the NVIDIA-layout generator fixtures that Tests/ModelsTests/NVIDIAGeneratorParityTests.swift reads.

Runs the UNMODIFIED `training/networks.py` of NVlabs/stylegan2-ada-pytorch (not part of this repository) on CPU,
where its custom ops (`bias_act`, `upfirdn2d`, `conv2d_gradfix`) fall back to their reference implementations.
Usage, with a checkout of that repository at NVLABS and Debian's PyTorch (`apt-get install python3-torch`):

    PYTHONPATH=NVLABS /usr/bin/python3 scripts/make_nvidia_fixtures.py

For each shape below a random-weight generator is built (num_fp16_res=0, conv_clamp=None unless stated), every
parameter and buffer re-drawn so that nothing is trivially 0 or 1 (biases, noise strengths, noise constants, the
constant input, `mapping.w_avg`), and written to Tests/ModelsTests/Fixtures/:

- `nv{S}.pt`: `torch.save(G.state_dict())`: the layout users convert their `.pkl` files to.
- `nv{S}_ws.npy` (N × num_ws × w_dim) → `nv{S}_img_w.npy` = `G.synthesis(ws, noise_mode='const')`.
- `nv{S}_z.npy` (N × z_dim) → `nv{S}_img_z.npy` = `G(z, c, noise_mode='const')` (ψ = 1) and
  `nv{S}_img_trunc07.npy` = `G(z, c, truncation_psi=0.7, noise_mode='const')`.
- `nv16_img_w_clamp.npy`: the nv16 weights in a generator built with conv_clamp=0.25 (which really clamps here).
- `nv8_random_mean.npy`, `nv8_random_std.npy`: per-pixel mean and standard deviation (unbiased) over 400 runs of
  `G.synthesis(ws[:1], noise_mode='random')`: the image statistics the random noise produces.
"""
import os
import sys

import numpy as np
import torch

try:
    from training import networks  # NVlabs/stylegan2-ada-pytorch, from PYTHONPATH
except ImportError:
    sys.exit("make_nvidia_fixtures.py: put a checkout of NVlabs/stylegan2-ada-pytorch on PYTHONPATH")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ModelsTests", "Fixtures")

# name: (resolution, z_dim = w_dim, mapping layers, channel_base, channel_max, seed)
SHAPES = {
    # 4: 12, 8: 8 channels; deep mapping
    "nv8": dict(res=8, dim=12, mapping=8, channel_base=64, channel_max=12, seed=1),
    # 4, 8, 16: 24 → 16 → 8 channels: the width changes at every block
    "nv16": dict(res=16, dim=10, mapping=2, channel_base=128, channel_max=24, seed=2),
    # 4…16: 16, 32: 8 channels; the shape, shrunk
    "nv32": dict(res=32, dim=16, mapping=2, channel_base=256, channel_max=16, seed=3),
}


def build(shape, conv_clamp=None):
    return networks.Generator(
        z_dim=shape["dim"], c_dim=0, w_dim=shape["dim"], img_resolution=shape["res"], img_channels=3,
        mapping_kwargs=dict(num_layers=shape["mapping"]),
        synthesis_kwargs=dict(channel_base=shape["channel_base"], channel_max=shape["channel_max"],
                              num_fp16_res=0, conv_clamp=conv_clamp),
    ).eval().requires_grad_(False)


def randomise(G):
    """The modules' own initialisation leaves biases at 0 / 1, noise strengths and w_avg at 0, which would hide
    mistakes in mapping them: those are re-drawn. Weights, the constant input and the noise constants are already
    N(0, 1) draws (the mapping's weights N(0, 1) / lr_multiplier, as NVlabs stores them)."""
    for name, t in list(G.named_parameters()) + list(G.named_buffers()):
        if name.endswith("noise_strength"):
            t.copy_((0.2 + 0.5 * torch.rand([])) * (1 if torch.rand([]) < 0.5 else -1))  # |s| in [0.2, 0.7]
        elif name.endswith("affine.bias"):
            t.copy_(1 + 0.3 * torch.randn(t.shape))
        elif name.startswith("mapping.fc") and name.endswith(".bias"):
            t.copy_(30 * torch.randn(t.shape))  # bias_gain = lr_multiplier 0.01: an effective N(0, 0.3²)
        elif name.endswith(".bias") or name.endswith("w_avg"):
            t.copy_(0.3 * torch.randn(t.shape))


def save_npy(name, t):
    np.save(os.path.join(OUT, name + ".npy"), t.detach().contiguous().numpy().astype(np.float32))


def main():
    for name, shape in SHAPES.items():
        torch.manual_seed(shape["seed"])
        G = build(shape)
        randomise(G)
        state = G.state_dict()
        torch.save(state, os.path.join(OUT, name + ".pt"))

        n = 2
        ws = torch.randn([n, G.num_ws, G.w_dim])
        z = torch.randn([n, G.z_dim])
        c = torch.zeros([n, 0])
        save_npy(f"{name}_ws", ws)
        save_npy(f"{name}_img_w", G.synthesis(ws, noise_mode="const"))
        save_npy(f"{name}_z", z)
        save_npy(f"{name}_img_z", G(z, c, noise_mode="const"))
        save_npy(f"{name}_img_trunc07", G(z, c, truncation_psi=0.7, noise_mode="const"))

        if name == "nv16":
            clamped = build(shape, conv_clamp=0.25)
            clamped.load_state_dict(state)
            save_npy(f"{name}_img_w_clamp", clamped.synthesis(ws, noise_mode="const"))
            unclamped = G.synthesis(ws, noise_mode="const")
            assert (clamped.synthesis(ws, noise_mode="const") - unclamped).abs().max() > 0.1, "clamp is inactive"

        if name == "nv8":
            torch.manual_seed(100)
            runs = torch.cat([G.synthesis(ws[:1], noise_mode="random") for _ in range(400)])
            save_npy(f"{name}_random_mean", runs.mean(dim=0))
            save_npy(f"{name}_random_std", runs.std(dim=0))
        print(name, "num_ws", G.num_ws, "channels",
              {r: getattr(G.synthesis, f"b{r}").conv1.weight.shape[0] for r in G.synthesis.block_resolutions})


if __name__ == "__main__":
    with torch.no_grad():
        main()
