# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: instagan-lite
#     language: python
#     name: instagan-lite
# ---

# %% [markdown]
# # 06 · Your own data, and photos without masks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/instagan-lite/instagan-lite/blob/main/notebooks/06_real_datasets.ipynb)
#
# **Prerequisites**: [00](00_data_and_masks.ipynb) (the layout) and [05](05_training_and_results.ipynb)
# (evaluation).
#
# **You will learn** how to turn COCO, clothing co-parsing (CCP) or multi-human parsing (MHP) data into
# the layout InstaGAN trains on, with the `data_prep` converters; how to evaluate a model on any dataset
# folder; and how to translate an image that comes *without* masks — with masks predicted by a small model
# — and what a bad mask does to the translation. Nothing is downloaded: we make a tiny COCO-format dataset
# in the notebook; the commands for the real downloads follow.
#
# **Runtime**: about a minute on 2 CPU cores. **The outputs below** were produced in learner mode.

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import json
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import display
from matplotlib.figure import Figure
from PIL import Image
from pycocotools import mask as coco_mask

from data_prep.coco import convert_coco
from instagan_lite import load_pretrained, translate
from instagan_lite.data.dataset import InstanceMaskDataset, JointTransform, generate_shapes_dataset
from instagan_lite.data.sources import folder_test_sets, shapes_test_batch, shapes_test_sets
from instagan_lite.evaluate import benchmark
from instagan_lite.mask_predictor import predict_masks
from instagan_lite.notebook import FAST, output_dir, setup_notebook
from instagan_lite.pretrained import load_pretrained_mask_predictor
from instagan_lite.viz import draw_instances, to_numpy_image

print(setup_notebook(seed=0))

# %% [markdown]
# ## A tiny COCO-format dataset
#
# COCO's `instances_*.json` lists images, categories and annotations; each annotation is one instance,
# as a polygon or an RLE. We draw three 64×48 pictures with "sheep" (wide, red) and "giraffes" (tall,
# green), and write their annotations.

# %%
# NBVAL_CHECK_OUTPUT
root = output_dir("06")
images_dir = root / "coco_images"
images_dir.mkdir(exist_ok=True)
h, w = 48, 64
scenes = {
    1: [("sheep", (8, 10, 30, 24)), ("sheep", (36, 28, 58, 40))],
    2: [("giraffe", (24, 4, 36, 44))],
    3: [("sheep", (4, 30, 26, 44)), ("giraffe", (40, 2, 52, 40))],
}
categories = {"sheep": 1, "giraffe": 2}
coco = {"images": [], "annotations": [], "categories": [{"id": i, "name": n} for n, i in categories.items()]}
for image_id, objects in scenes.items():
    pixels = np.full((h, w, 3), 110, np.uint8)
    for name, (x0, y0, x1, y1) in objects:
        pixels[y0:y1, x0:x1] = (220, 40, 40) if name == "sheep" else (40, 200, 60)
        if name == "sheep":  # as a polygon
            segmentation = [[x0, y0, x1, y0, x1, y1, x0, y1]]
        else:  # as an RLE
            m = np.zeros((h, w), np.uint8, order="F")
            m[y0:y1, x0:x1] = 1
            rle = coco_mask.encode(m)
            segmentation = {"size": rle["size"], "counts": rle["counts"].decode()}
        coco["annotations"].append(
            {
                "id": len(coco["annotations"]) + 1,
                "image_id": image_id,
                "iscrowd": 0,
                "category_id": categories[name],
                "segmentation": segmentation,
                "area": (x1 - x0) * (y1 - y0),
                "bbox": [x0, y0, x1 - x0, y1 - y0],
            }
        )
    Image.fromarray(pixels).save(images_dir / f"{image_id:012d}.jpg", quality=95)
    coco["images"].append({"id": image_id, "file_name": f"{image_id:012d}.jpg", "height": h, "width": w})
(root / "instances.json").write_text(json.dumps(coco))
print(len(coco["images"]), "images,", len(coco["annotations"]), "annotations")

# %% [markdown]
# ## Convert
#
# `convert_coco` (or `python -m data_prep.coco`) makes one example of domain A per image containing a
# sheep, with one mask per sheep, and likewise for giraffes in B. Images and masks are resized to cover
# the output size and centre-cropped together. `--exclude-both` would drop image 3, which has both.

# %%
# NBVAL_CHECK_OUTPUT
out = root / "sheep2giraffe"
written = convert_coco(
    root / "instances.json", images_dir, out, "sheep", "giraffe", size=(32, 32), overwrite=True, progress=False
)
print(written)
print(sorted(p.name for p in (out / "trainA_seg").iterdir()))

# %% [markdown]
# ## Load it with joint augmentation
#
# `InstanceMaskDataset` reads the layout; `JointTransform` resizes, crops and flips the image and all its
# masks with **one** draw (the authors' code misaligns them on current torchvision). The overlays stay on
# their objects:

# %%
data = InstanceMaskDataset(out, "A", "train", max_instances=4, transform=JointTransform(40, 32, flip=True))
fig = Figure(figsize=(9.6, 1.9), layout="constrained")
for i, ax in enumerate(fig.subplots(1, 6)):
    item = data[i % len(data)]
    draw_instances(ax, item["image"], item["masks"], legend=False)
display(fig)

# %% [markdown]
# ## Evaluate on any dataset folder
#
# `evaluate --data FOLDER` (or `folder_test_sets` + `benchmark`) scores a model on a folder's test split:
# the learned scores (a domain classifier and a crop classifier trained on the folder's own training
# images; `evaluate` does that, the cell below skips it), and the ground-truth measures wherever the folder
# has oracle folders
# (`test{A,B}_oracle` and `_oracle_seg`). The shapes benchmark can be written as such a folder
# (`python -m instagan_lite make-shapes`), and gives the same numbers as the built-in evaluation. Here, a
# small shapes folder:

# %%
# NBVAL_CHECK_OUTPUT
shapes_root = output_dir("06") / "shapes_folder"
generate_shapes_dataset(shapes_root, size=32, n_train=8, n_test=16, n_evaluator=0, overwrite=True, progress=False)
folder = folder_test_sets(shapes_root)
builtin = shapes_test_sets(32, 16)
instagan = load_pretrained("instagan_lite_shapes32")
system = {"shipped InstaGAN": (instagan.model, instagan.options)}
from_folder = benchmark(system, folder)["AtoB"]["shipped InstaGAN"]
from_memory = benchmark(system, builtin)["AtoB"]["shipped InstaGAN"]
assert from_folder == from_memory
print(
    "the folder's ground-truth measures equal the built-in benchmark's:",
    sorted(k for k, v in from_folder.items() if v is not None)[:6],
    "…",
)

# %% [markdown]
# ## Photos without masks: masks from a model
#
# InstaGAN needs each instance's mask at test time. For images that come without them the authors trained a
# separate mask predictor (their issues #8, #32). The package has one: a small U-Net that predicts, per
# pixel, background / instance interior / instance edge; the instances are the connected components of
# the interior, grown back over their edges (`instagan_lite.mask_predictor`). One is shipped for the shapes
# domains (`python -m instagan_lite train-masks --data shapes`); its quality on the test set:

# %%
# NBVAL_CHECK_OUTPUT
predictor = load_pretrained_mask_predictor("masks_shapes32")
for domain, q in predictor.quality.items():
    print(
        f"domain {domain}: instance IoU {q['iou']:.3f}, found {q['found']:.1%}, missed {q['missed']:.1%}, "
        f"split {q['split']:.1%}, merged {q['merged']:.1%}"
    )

# %% [markdown]
# Translate with predicted masks, next to the same translation with the true masks (rows: input with its
# predicted instances, translation from predicted masks, translation from true masks, oracle):

# %%
batch = shapes_test_batch("A", 32, 6)
predicted = predict_masks(predictor, batch["images"])
from_predicted = translate(instagan.model, batch["images"], predicted, "AtoB", instagan.options)[0]
from_true = translate(instagan.model, batch["images"], batch["masks"], "AtoB", instagan.options)[0]
fig = Figure(figsize=(7.4, 5.4), layout="constrained")
axes = fig.subplots(4, 6)
for c in range(6):
    draw_instances(axes[0, c], batch["images"][c], predicted[c], legend=False)
    for r, images in ((1, from_predicted), (2, from_true), (3, batch["oracle"])):
        axes[r, c].imshow(to_numpy_image(images[c]))
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
for r, label in enumerate(["predicted masks", "from predicted", "from true masks", "oracle"]):
    axes[r, 0].set_ylabel(label, fontsize=7)
display(fig)

# %% [markdown]
# ## What a bad mask does
#
# The same shipped model and test images, the masks degraded on purpose: grown (dilated) or shrunk
# (eroded) by 2 pixels, or moved by 4 pixels. Oracle IoU (whether the generated masks land where the right
# objects are), vacated L1 (ghosts of the old objects), object L1 (how far the painted objects are from the
# right ones) and mask shape success say what each does. `benchmarks/results/mask_quality.md` has the full
# study (merged and missed instances, more instances than in training).

# %%
# NBVAL_IGNORE_OUTPUT
n = 16 if FAST else 200
tests = shapes_test_sets(32, n)


def degraded(change):
    return {d: replace(t, masks=change(t.masks)) for d, t in tests.items()}


conditions = {
    "true masks": tests,
    "dilated 2 px": degraded(
        lambda m: torch.where((m > -1).flatten(2).any(-1)[..., None, None], F.max_pool2d(m, 5, 1, 2), m)
    ),
    "eroded 2 px": degraded(lambda m: -F.max_pool2d(-m, 5, 1, 2)),
    "moved 4 px": degraded(lambda m: torch.nn.functional.pad(m, (4, 0, 4, 0), value=-1)[..., :-4, :-4]),
}
rows = {
    name: benchmark(system, data, references=False)["AtoB"]["shipped InstaGAN"] for name, data in conditions.items()
}
for name, row in rows.items():
    print(
        f"{name:12s} oracle IoU {row['oracle_iou']:.2f}, vacated L1 {row['vacated_l1']:.3f}, "
        f"object L1 {row['object_l1']:.3f}, shape success {row['shape_success']:.2f}"
    )

# %% [markdown]
# Read the table: the model translates *what the masks say*. Moved masks put the new objects in the wrong
# place (oracle IoU falls furthest); eroded masks leave part of each old object unpainted (vacated L1
# rises); dilated masks let the generator overpaint more of the old object, so the ghosts shrink and object
# L1 can even improve, while the new shape comes out too large (oracle IoU falls). Mask shape success moves
# least: it judges the generated masks' shape, which the model produces whatever the input masks were.

# %% [markdown]
# ## The real downloads
#
# Download the data yourself (these tools never download anything), then:
#
# ```bash
# # COCO 2017: sheep -> giraffe, as in the paper
# python -m data_prep.coco --annotations annotations/instances_train2017.json --images train2017 \
#     --category-a sheep --category-b giraffe --phase train --size 256 --out datasets/sheep2giraffe
# python -m data_prep.coco --annotations annotations/instances_val2017.json --images val2017 \
#     --category-a sheep --category-b giraffe --phase val --size 256 --out datasets/sheep2giraffe
# # CCP: jeans -> skirt (one mask per garment; its val split has no pixel masks)
# python -m data_prep.ccp --root clothing-co-parsing --out datasets/jeans2skirt
# # MHP v1: pants -> skirt (one mask per person wearing it), 300x450 like the authors
# python -m data_prep.mhp --root LV-MHP-v1 --phase train --out datasets/pants2skirt
# # train on it, evaluate it on its own test split (learned scores; no oracle for real photos)
# python -m instagan_lite train --data datasets/sheep2giraffe --size 64 --load-size 72 --minutes 60 --out-dir outputs/sheep
# python -m instagan_lite evaluate --checkpoint outputs/sheep/checkpoint.pt --data datasets/sheep2giraffe
# # masks for photos that come without them
# python -m instagan_lite train-masks --data datasets/sheep2giraffe --size 64 --out outputs/sheep_masks.pt
# python -m instagan_lite translate --checkpoint outputs/sheep/checkpoint.pt --image photo.png \\
#     --predict-masks outputs/sheep_masks.pt --out translated/
# ```
#
# The paper's resolutions (200–300 px) take days on a CPU; start at 64 px to see whether a pair works.

# %% [markdown]
# ## Your own photos on Colab
#
# On a machine that reaches COCO's server (Colab does), the next cell fetches a small sheep ↔ giraffe set
# (the annotations once, then only the images of the two categories; an interrupted download resumes), trains
# the lite recipe on it for a few minutes at 64 px (on a GPU when there is one), and evaluates the result
# with the learned scores: photos have no oracle. Elsewhere, and in fast mode, it says that it skipped.
# The full recipe at the paper's size, on a GPU, and how to resume when Colab disconnects:
# `docs/real_photos.md` in the repository.

# %%
import socket
import subprocess
import sys


def reaches(host: str = "images.cocodataset.org", port: int = 80) -> bool:
    """Whether this machine can open a connection to ``host`` (3 s at most)."""
    try:
        socket.create_connection((host, port), timeout=3).close()
        return True
    except OSError:
        return False


if FAST:
    print("skipped: fast mode (this section downloads about 300 MB and trains for minutes)")
elif not reaches():
    print("skipped: COCO's server cannot be reached from this machine (on Colab this section runs)")
else:
    photos = output_dir("sheep2giraffe")
    for split, phase, n in (("train2017", "train", 300), ("val2017", "test", 50)):
        subprocess.run(
            [sys.executable, "-m", "data_prep.coco_download", "--category-a", "sheep", "--category-b", "giraffe",
             "--split", split, "--max-images", str(n), "--phase", phase, "--size", "72", "--out", str(photos),
             "--overwrite"],
            check=True,
        )  # fmt: skip
    run = output_dir("sheep_run")
    subprocess.run(
        [sys.executable, "-m", "instagan_lite", "train", "--data", str(photos), "--size", "64", "--load-size", "72",
         "--minutes", "10", "--device", "auto", "--out-dir", str(run), "--overwrite"],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "instagan_lite", "evaluate", "--checkpoint", str(run / "checkpoint.pt"),
         "--data", str(photos)],
        check=True,
    )  # fmt: skip

# %% [markdown]
# ## Recap
#
# * `data_prep` turns COCO, CCP and MHP annotations into the authors' layout; `JointTransform` keeps masks
#   on their objects through augmentation.
# * `evaluate --data` scores a model on any folder; the ground-truth columns appear when the folder knows
#   the right answer.
# * A mask predictor trained on the dataset's own masks translates images that come without masks; the
#   model translates what the masks say, so a wrong mask moves the translation (the table above).
#
# **Questions**
# 1. Why train the mask predictor on the same dataset as the translator, and not on another domain?
# 2. Which column does each degradation change most above, and why that one?
