#!/usr/bin/env python3
"""Times the convolutions of one training step of the 128² default StyleGAN2 (channels 4:256 … 128:16, batch 8):
each generator layer's convolution as training runs it (activation scaling: one plain conv over the batch, the
style applied to the input) and a discriminator-like conv of the same width, forward and backward, one thread, in
float32 or bfloat16. Prints the median of 5 repeats after 2 warm-ups. Run it with
Debian's python3-torch (the libtorch this project builds against) and with a PyPI torch to compare engines:

    python3 scripts/measure_bf16_convs.py fp32|bf16
"""
import sys
import time

import torch

torch.set_num_threads(1)
dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[sys.argv[1]]
BATCH = 8
# (resolution, in channels, out channels) of the generator's convolutions at 128².
LAYERS = [(4, 256, 256), (8, 256, 256), (8, 256, 256), (16, 256, 128), (16, 128, 128), (32, 128, 64),
          (32, 64, 64), (64, 64, 32), (64, 32, 32), (128, 32, 16), (128, 16, 16)]


def step():
    for r, cin, cout in LAYERS:
        x = torch.randn(BATCH, cin, r, r, dtype=dtype, requires_grad=True)
        w = torch.randn(cout, cin, 3, 3, dtype=dtype, requires_grad=True)
        torch.nn.functional.conv2d(x, w, padding=1).sum().backward()
        xd = torch.randn(BATCH, cout, r, r, dtype=dtype, requires_grad=True)
        wd = torch.randn(cout, cout, 3, 3, dtype=dtype, requires_grad=True)
        torch.nn.functional.conv2d(xd, wd, padding=1).sum().backward()


for _ in range(2):
    step()
times = []
for _ in range(5):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
print(f"{sys.argv[1]} torch {torch.__version__}: median {sorted(times)[2]:.3f} s per step")
