#!/usr/bin/python3
"""Writes the fixtures of Tests/PipelinesTests/HFGITrainingTests.swift's RandomPerspective parity tests
(Tests/ModelsTests/Fixtures/hfgi_perspective_*.npy).

HFGI distorts its training distortion maps with torchvision's `RandomPerspective(distortion_scale, p)` applied to
the whole batch tensor (models/psp.py `self.grid_transform(res_gt)`). Run with Debian's PyTorch and torchvision
(`apt-get install python3-torch python3-torchvision`):

    /usr/bin/python3 scripts/make_hfgi_perspective_fixtures.py

HFGI pinned torchvision 0.8, which ignores `fill` for tensor input (zero padding, a warning). Debian's 0.14 does
the same when `fill=None`; with a fill value it would blend in a mask instead. So the warp is made with
`F.perspective(img, startpoints, endpoints, BILINEAR, fill=None)`, and the draws with the transform's own
`forward` order: `torch.rand(1) < p`, then `get_params(width, height, distortion_scale)`.

Files:
- `hfgi_perspective_draws.npy` (int64, 12×9): for seeds 0..11, torch.manual_seed(seed), then the draw for a 32 wide,
  24 high image with distortion_scale 0.5 and p 0.6: [warped (0/1), TLx, TLy, TRx, TRy, BRx, BRy, BLx, BLy] (corners
  −1 when not warped).
- `hfgi_perspective_x.npy` (float32, 2×3×12×10 ~ U(−1, 1), seed 3) and `hfgi_perspective_y.npy`: x warped with
  endpoints [[2, 1], [8, 0], [9, 11], [1, 9]] (one warp for the whole batch).
"""
import os
import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ModelsTests", "Fixtures")

rows = []
for seed in range(12):
    torch.manual_seed(seed)
    if torch.rand(1) < 0.6:
        _, endpoints = T.RandomPerspective.get_params(32, 24, 0.5)
        rows.append([1] + [v for point in endpoints for v in point])
    else:
        rows.append([0] + [-1] * 8)
np.save(os.path.join(OUT, "hfgi_perspective_draws.npy"), np.array(rows, dtype=np.int64))

torch.manual_seed(3)
x = torch.rand(2, 3, 12, 10) * 2 - 1
start = [[0, 0], [9, 0], [9, 11], [0, 11]]
end = [[2, 1], [8, 0], [9, 11], [1, 9]]
y = F.perspective(x, start, end, T.InterpolationMode.BILINEAR, fill=None)
np.save(os.path.join(OUT, "hfgi_perspective_x.npy"), x.numpy())
np.save(os.path.join(OUT, "hfgi_perspective_y.npy"), y.numpy())
print("wrote", OUT)
