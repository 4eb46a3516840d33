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
# # 00 · Data and masks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/instagan-lite/instagan-lite/blob/main/notebooks/00_data_and_masks.ipynb)
#
# **You will learn** what InstaGAN eats: an image *plus one mask per object instance*, the convention
# those masks follow, the folder layout of the authors' datasets, and how a COCO annotation becomes masks.
#
# **Runtime**: under a minute on a CPU.

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from instagan_lite import instance_validity, mask_area, merge_masks
from instagan_lite.data.dataset import InstanceMaskDataset, ShapesDataset, generate_shapes_dataset
from instagan_lite.notebook import FAST, output_dir, setup_notebook
from instagan_lite.viz import mask_overlay, to_numpy_image
from instagan_lite.widgets import mask_explorer

print(setup_notebook(seed=0))

# %% [markdown]
# ## Two domains that differ only in shape
#
# The built-in benchmark mimics sheep → giraffe: domain **A** holds wide ellipses, domain **B** tall
# rectangles. Sizes, positions, colours and backgrounds come from the same distributions in both, so the
# *only* thing that tells the domains apart is the shape of each object. A good translation must change
# every object's shape and leave the background alone.

# %%
size = 32 if FAST else 64
domains = {d: ShapesDataset(d, "train", size=size, length=8, seed=0) for d in "AB"}
fig, axes = plt.subplots(2, 6, figsize=(9, 3.2))
for row, (d, data) in enumerate(domains.items()):
    for col in range(6):
        axes[row, col].imshow(to_numpy_image(data[col]["image"]))
        axes[row, col].set_axis_off()
    axes[row, 0].set_title(f"domain {d}", fontsize=8, loc="left")
plt.show()

# %% [markdown]
# ## The mask convention
#
# Each image comes with a tensor of masks of shape $(K, H, W)$: one channel ("slot") per instance, values
# in $[-1, 1]$ with $+1$ on the object and $-1$ elsewhere. A slot that holds no instance is **exactly $-1$
# everywhere** — that is how InstaGAN knows an instance is absent. Slots are sorted by decreasing area.

# %%
# NBVAL_CHECK_OUTPUT
item = ShapesDataset("A", "train", size=32, length=8, seed=0)[1]
masks = item["masks"]
print("image", tuple(item["image"].shape), "masks", tuple(masks.shape))
print("values", sorted(masks.unique().tolist()))
print("valid slots", instance_validity(masks[None])[0].tolist())
print("areas", [round(a, 3) for a in mask_area(masks[None])[0].tolist()])

# %% [markdown]
# The *union* of a set of masks, used for display and by the context-preserving loss later, is the soft
# union $\mathrm{merge}(S) = 2\,\mathrm{clamp}\big(\sum_k (s_k+1)/2,\ 0,\ 1\big) - 1$:

# %%
fig, axes = plt.subplots(1, masks.shape[0] + 2, figsize=(9, 2))
axes[0].imshow(to_numpy_image(item["image"]))
axes[0].set_title("image", fontsize=8)
for k in range(masks.shape[0]):
    axes[k + 1].imshow(masks[k], cmap="gray", vmin=-1, vmax=1)
    axes[k + 1].set_title(f"slot {k}", fontsize=8)
axes[-1].imshow(merge_masks(masks[None])[0, 0], cmap="gray", vmin=-1, vmax=1)
axes[-1].set_title("union", fontsize=8)
for ax in axes:
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## Looking at instances
#
# The explorer below shows any image with its instances as coloured overlays; toggle instances on and off.
# (On GitHub the widget does not render; the static figure after it shows its default state.)

# %%
# NBVAL_IGNORE_OUTPUT
explorer_data = ShapesDataset("B", "train", size=size, length=50, seed=0)
mask_explorer(explorer_data)

# %%
fig, axes = plt.subplots(1, 4, figsize=(8, 2.2))
for i, ax in enumerate(axes):
    it = explorer_data[i]
    ax.imshow(mask_overlay(it["image"], it["masks"], alpha=0.6))
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## The dataset layout on disk
#
# The authors' datasets (and `data_prep`'s converters) use one folder per phase and domain, and one PNG
# per instance mask: `trainA/<id>.png` with `trainA_seg/<id>_0.png`, `<id>_1.png`, … The shapes benchmark
# can be written in the same layout; the test phase also gets the *oracle*, the ideal translation.

# %%
# NBVAL_CHECK_OUTPUT
root = output_dir("00") / "shapes"
generate_shapes_dataset(root, size=32, n_train=4, n_test=2, seed=0, overwrite=True, progress=False)
print(sorted(p.name for p in root.iterdir()))
print(sorted(p.name for p in (root / "trainA_seg").iterdir()))

# %%
# NBVAL_CHECK_OUTPUT
disk = InstanceMaskDataset(root, "A", "train", max_instances=4)
print(len(disk), tuple(disk[0]["masks"].shape), int(instance_validity(disk[0]["masks"][None]).sum()))

# %% [markdown]
# ## From a COCO annotation to masks
#
# COCO stores each instance as a polygon or a run-length encoding (RLE). `pycocotools` turns either into a
# binary mask; `data_prep.coco` does this for a whole category (see notebook 06). Here is one image with a
# polygon instance and an RLE instance, made by hand:

# %%
# NBVAL_CHECK_OUTPUT
from pycocotools import mask as coco_mask

h, w = 24, 32
polygon = [[4, 4, 14, 4, 14, 20, 4, 20]]  # x, y pairs of a tall box
box = np.zeros((h, w), np.uint8, order="F")
box[6:12, 18:30] = 1
rle = coco_mask.encode(box)  # run-length encoding of a wide box
masks_from_coco = [
    coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects(polygon, h, w))),
    coco_mask.decode(rle),
]
print([int(m.sum()) for m in masks_from_coco])

# %%
as_tensor = torch.from_numpy(np.stack(masks_from_coco)).float() * 2 - 1  # {0, 1} -> {-1, 1}
plt.figure(figsize=(3, 2.4))
plt.imshow(mask_overlay(torch.zeros(3, h, w), as_tensor, alpha=0.8))
plt.axis("off")
plt.show()

# %% [markdown]
# **Next**: [01 · CycleGAN](01_cyclegan.ipynb), the image-only translator InstaGAN builds on.
