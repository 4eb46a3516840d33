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
# # 06 · Real datasets
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/instagan-lite/instagan-lite/blob/main/notebooks/06_real_datasets.ipynb)
#
# **You will learn** how to turn COCO, clothing co-parsing (CCP) or multi-human parsing (MHP) data into
# the layout InstaGAN trains on, with the `data_prep` converters. Nothing is downloaded here: we make a
# tiny COCO-format dataset in the notebook and convert it; the commands for the real downloads follow.
#
# **Runtime**: seconds.

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import json

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from pycocotools import mask as coco_mask

from data_prep.coco import convert_coco
from instagan_lite.data.dataset import InstanceMaskDataset, JointTransform
from instagan_lite.notebook import output_dir, setup_notebook
from instagan_lite.viz import mask_overlay

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
fig, axes = plt.subplots(1, 6, figsize=(9, 1.8))
for i, ax in enumerate(axes):
    item = data[i % len(data)]
    ax.imshow(mask_overlay(item["image"], item["masks"], alpha=0.5))
    ax.set_axis_off()
plt.show()

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
# # train on it
# python -m instagan_lite train --data datasets/sheep2giraffe --size 64 --load-size 72 --minutes 60
# ```
#
# The paper's resolutions (200–300 px) take days on a CPU; start at 64 px to see whether a pair works.
