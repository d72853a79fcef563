#!/usr/bin/python3
"""Writes the FFHQ-alignment fixtures the alignment tests read into Tests/FaceLandmarksTests/Fixtures/alignment/.

Each case runs the public alignment procedure — NVlabs/ffhq-dataset `download_ffhq.py` recreate_aligned_images
(rotate_level=True, no random shift), the same steps e4e/HFGI/StyleRes copy into `utils/alignment.py` — with
Pillow, numpy and scipy themselves, on the committed astronaut photo (Tests/FaceLandmarksTests/Fixtures/astronaut.jpg) and FIXED landmarks,
so dlib is not needed here: BASE_LANDMARKS are the 68 points dlib finds on that photo (as `gradstyle align`
reported them, rounded to integers as dlib's are), and the other cases move them by similarity transforms to reach
the procedure's other branches (shrink, padding wider than the photo, a tilted face, e4e's output = transform size).

Writes <case>.png (the crop) and cases.json (per case: landmarks, output and transform sizes, which branches ran)
plus a checksum of the photo's pixels as Pillow decodes them, so a decoder difference is told apart from an alignment
one. Needs Debian's python3-pil, python3-numpy and python3-scipy: `/usr/bin/python3 scripts/make_alignment_fixtures.py`.
Deterministic.
"""
import json
import os

import numpy as np
import PIL.Image
import scipy.ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "FaceLandmarksTests", "Fixtures")
OUT = os.path.join(FIXTURES, "alignment")

BASE_LANDMARKS = [
    [112, 65], [112, 73], [112, 80], [113, 87], [115, 94], [119, 100], [125, 106], [131, 110], [138, 112], [145, 111],
    [152, 107], [158, 102], [163, 96], [166, 89], [167, 82], [169, 75], [170, 68], [116, 59], [120, 55], [125, 54],
    [130, 55], [135, 58], [147, 58], [152, 57], [157, 57], [162, 58], [165, 62], [141, 64], [141, 69], [141, 74],
    [140, 79], [134, 82], [137, 83], [140, 84], [143, 83], [146, 82], [122, 63], [125, 61], [129, 61], [132, 65],
    [129, 65], [124, 65], [148, 66], [152, 63], [156, 63], [159, 65], [156, 67], [152, 67], [125, 87], [130, 87],
    [136, 87], [139, 88], [143, 87], [148, 88], [153, 88], [148, 94], [143, 97], [139, 97], [135, 97], [129, 93],
    [126, 87], [135, 89], [139, 90], [143, 89], [151, 89], [143, 94], [139, 94], [135, 93],
]


def ffhq_align(img, lm, output_size, transform_size, enable_padding=True):
    """The public procedure, step for step (its comments' names kept). Returns the crop and the branches taken."""
    lm = np.array(lm, dtype=np.float64)
    lm_eye_left = lm[36:42]
    lm_eye_right = lm[42:48]
    lm_mouth_outer = lm[48:60]

    # Calculate auxiliary vectors.
    eye_left = np.mean(lm_eye_left, axis=0)
    eye_right = np.mean(lm_eye_right, axis=0)
    eye_avg = (eye_left + eye_right) * 0.5
    eye_to_eye = eye_right - eye_left
    mouth_left = lm_mouth_outer[0]
    mouth_right = lm_mouth_outer[6]
    mouth_avg = (mouth_left + mouth_right) * 0.5
    eye_to_mouth = mouth_avg - eye_avg

    # Choose oriented crop rectangle.
    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8)
    y = np.flipud(x) * [-1, 1]
    c0 = eye_avg + eye_to_mouth * 0.1
    quad = np.stack([c0 - x - y, c0 - x + y, c0 + x + y, c0 + x - y])
    qsize = np.hypot(*x) * 2
    branches = []

    # Shrink.
    shrink = int(np.floor(qsize / output_size * 0.5))
    if shrink > 1:
        rsize = (int(np.rint(float(img.size[0]) / shrink)), int(np.rint(float(img.size[1]) / shrink)))
        img = img.resize(rsize, PIL.Image.LANCZOS)  # ANTIALIAS in the script: the same filter
        quad /= shrink
        qsize /= shrink
        branches.append("shrink")

    # Crop.
    border = max(int(np.rint(qsize * 0.1)), 3)
    crop = (int(np.floor(min(quad[:, 0]))), int(np.floor(min(quad[:, 1]))), int(np.ceil(max(quad[:, 0]))),
            int(np.ceil(max(quad[:, 1]))))
    crop = (max(crop[0] - border, 0), max(crop[1] - border, 0), min(crop[2] + border, img.size[0]),
            min(crop[3] + border, img.size[1]))
    if crop[2] - crop[0] < img.size[0] or crop[3] - crop[1] < img.size[1]:
        img = img.crop(crop)
        quad -= crop[0:2]
        branches.append("crop")

    # Pad.
    pad = (int(np.floor(min(quad[:, 0]))), int(np.floor(min(quad[:, 1]))), int(np.ceil(max(quad[:, 0]))),
           int(np.ceil(max(quad[:, 1]))))
    pad = (max(-pad[0] + border, 0), max(-pad[1] + border, 0), max(pad[2] - img.size[0] + border, 0),
           max(pad[3] - img.size[1] + border, 0))
    if enable_padding and max(pad) > border - 4:
        pad = np.maximum(pad, int(np.rint(qsize * 0.3)))
        if max(pad[1], pad[3]) >= img.size[1] or max(pad[0], pad[2]) >= img.size[0]:
            branches.append("pad-wider-than-image")
        img = np.pad(np.float32(img), ((pad[1], pad[3]), (pad[0], pad[2]), (0, 0)), 'reflect')
        h, w, _ = img.shape
        y, x, _ = np.ogrid[:h, :w, :1]
        mask = np.maximum(1.0 - np.minimum(np.float32(x) / pad[0], np.float32(w - 1 - x) / pad[2]),
                          1.0 - np.minimum(np.float32(y) / pad[1], np.float32(h - 1 - y) / pad[3]))
        blur = qsize * 0.02
        img += (scipy.ndimage.gaussian_filter(img, [blur, blur, 0]) - img) * np.clip(mask * 3.0 + 1.0, 0.0, 1.0)
        img += (np.median(img, axis=(0, 1)) - img) * np.clip(mask, 0.0, 1.0)
        img = PIL.Image.fromarray(np.uint8(np.clip(np.rint(img), 0, 255)), 'RGB')
        quad += pad[:2]
        branches.append("pad")

    # Transform.
    img = img.transform((transform_size, transform_size), PIL.Image.QUAD, (quad + 0.5).flatten(), PIL.Image.BILINEAR)
    if output_size < transform_size:
        img = img.resize((output_size, output_size), PIL.Image.LANCZOS)
        branches.append("downsize")
    return img, branches


def similarity(lm, angle_deg=0.0, scale=1.0, shift=(0.0, 0.0), about=None):
    """Landmarks rotated/scaled about `about` (default: their mean) then shifted; kept as float."""
    lm = np.array(lm, dtype=np.float64)
    centre = lm.mean(axis=0) if about is None else np.array(about, dtype=np.float64)
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * scale
    return ((lm - centre) @ rot.T + centre + np.array(shift)).tolist()


def main():
    os.makedirs(OUT, exist_ok=True)
    photo = PIL.Image.open(os.path.join(FIXTURES, "astronaut.jpg"))
    photo.load()
    assert photo.mode == "RGB"
    pixels = np.asarray(photo)
    cases = {
        # FFHQ's ratio (output = transform / 4), the face near the top edge: crop + pad + downsize.
        "ffhq_ratio": (BASE_LANDMARKS, 64, 256),
        # e4e/HFGI's copy: output = transform size, no downsize.
        "e4e_same_size": (BASE_LANDMARKS, 80, 80),
        # A square ≥ 4× the output: the photo is shrunk first.
        "shrink": (BASE_LANDMARKS, 24, 48),
        # Tilted by 25°: a rotated quad.
        "tilted": (similarity(BASE_LANDMARKS, angle_deg=25.0), 48, 96),
        # Face pushed into the corner: padding wider than what is left of the photo (numpy's repeated reflection).
        "corner": (similarity(BASE_LANDMARKS, angle_deg=-10.0, scale=1.3, shift=(-140.0, -70.0)), 40, 80),
        # Enlarged as well: shrink, then padding wider than the shrunk photo.
        "corner_shrink": (similarity(BASE_LANDMARKS, angle_deg=-10.0, scale=1.6, shift=(-130.0, -60.0)), 40, 80),
    }
    # A position-weighted checksum of the decoded samples (simple to recompute anywhere).
    flat = pixels.astype(np.uint64).ravel()
    checksum = int(((np.arange(flat.size, dtype=np.uint64) % np.uint64(65521) + np.uint64(1)) * flat).sum())
    record = {"photo": "astronaut.jpg", "photo_checksum": checksum,
              "photo_size": list(photo.size), "pillow": PIL.__version__, "numpy": np.__version__,
              "scipy": scipy.__version__, "cases": {}}
    for name, (lm, output_size, transform_size) in cases.items():
        crop, branches = ffhq_align(photo.copy(), lm, output_size, transform_size)
        crop.save(os.path.join(OUT, name + ".png"))
        record["cases"][name] = {"landmarks": lm, "output_size": output_size, "transform_size": transform_size,
                                 "branches": branches}
        print(name, crop.size, branches)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(record, f)
        f.write("\n")


if __name__ == "__main__":
    main()
