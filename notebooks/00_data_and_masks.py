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
# **Prerequisites**: Python, PyTorch tensors; nothing about GANs yet.
#
# **You will learn** what InstaGAN eats: an image *plus one mask per object instance*, the convention
# those masks follow, the benchmark every notebook uses (and why it knows the right answer), the folder
# layout of the authors' datasets, and how a COCO annotation becomes masks.
#
# **Runtime**: under a minute on 2 CPU cores. **The outputs below** were produced in learner mode (no
# `INSTAGAN_LITE_FAST`).

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import numpy as np
import torch
from IPython.display import display
from matplotlib.figure import Figure

from instagan_lite import instance_validity, mask_area, merge_masks
from instagan_lite.data.dataset import InstanceMaskDataset, ShapesDataset, generate_shapes_dataset
from instagan_lite.notebook import FAST, output_dir, setup_notebook
from instagan_lite.viz import draw_instances, to_numpy_image
from instagan_lite.widgets import mask_explorer

print(setup_notebook(seed=0))

# %% [markdown]
# ## Two domains that differ only in shape
#
# The built-in benchmark mimics sheep → giraffe: domain **A** holds wide ellipses, domain **B** tall
# rectangles. Sizes, positions, colours and backgrounds come from the same distributions in both, so the
# *only* thing that tells the domains apart is the shape of each object. A good translation must change
# every object's shape and leave the background alone. (`docs/shapes_benchmark.md` describes the benchmark
# and every measure in full.)

# %%
size = 32 if FAST else 64
domains = {d: ShapesDataset(d, "train", size=size, length=8, seed=0) for d in "AB"}
fig = Figure(figsize=(9, 3.3), layout="constrained")
axes = fig.subplots(2, 6)
for row, (d, data) in enumerate(domains.items()):
    for col in range(6):
        axes[row, col].imshow(to_numpy_image(data[col]["image"]))
        axes[row, col].set_axis_off()
    axes[row, 0].set_title(f"domain {d}", fontsize=8, loc="left")
display(fig)

# %% [markdown]
# ## The right answer: the oracle
#
# Every random draw of a scene (centres, sizes, colours, background) is independent of its domain, so the
# same scene rendered with the other domain's shape is the ideal translation — the **oracle**, with its
# masks slot for slot. It is never used for training, only to measure translations.

# %%
test = ShapesDataset("A", "test", size=32, length=4, seed=0)
fig = Figure(figsize=(7.6, 3.6), layout="constrained")
axes = fig.subplots(2, 4)
for i in range(4):
    draw_instances(axes[0, i], test[i]["image"], test[i]["masks"], legend=False)
    draw_instances(axes[1, i], test.oracle(i)["image"], test.oracle(i)["masks"], legend=False)
axes[0, 0].set_ylabel("input (A)", fontsize=8)
axes[1, 0].set_ylabel("oracle (B)", fontsize=8)
display(fig)

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
fig = Figure(figsize=(10, 2.2), layout="constrained")
axes = fig.subplots(1, masks.shape[0] + 2)
draw_instances(axes[0], item["image"], masks, legend=False)
axes[0].set_title("image, instances outlined", fontsize=8)
for k in range(masks.shape[0]):
    shown = axes[k + 1].imshow(masks[k], cmap="gray", vmin=-1, vmax=1)
    axes[k + 1].set_title(f"slot {k}", fontsize=8)
axes[-1].imshow(merge_masks(masks[None])[0, 0], cmap="gray", vmin=-1, vmax=1)
axes[-1].set_title("union", fontsize=8)
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(shown, ax=axes[1:], fraction=0.02, label="mask value")
display(fig)

# %% [markdown]
# ## Looking at instances
#
# The explorer below shows any image with its instances outlined, each in its slot's colour; toggle
# instances on and off. (On GitHub the widget does not render; the static figure after it shows the first
# images in its default state.)

# %%
# NBVAL_IGNORE_OUTPUT
explorer_data = ShapesDataset("B", "train", size=size, length=50, seed=0)
mask_explorer(explorer_data)

# %%
fig = Figure(figsize=(10, 2.4), layout="constrained")
axes = fig.subplots(1, 4)
for i, ax in enumerate(axes):
    it = explorer_data[i]
    draw_instances(ax, it["image"], it["masks"], legend=i == 3)
display(fig)

# %% [markdown]
# ## The dataset layout on disk
#
# The authors' datasets (and `data_prep`'s converters) use one folder per phase and domain, and one PNG
# per instance mask: `trainA/<id>.png` with `trainA_seg/<id>_0.png`, `<id>_1.png`, … The shapes benchmark
# can be written in the same layout; the test phase also gets the *oracle*, the ideal translation.

# %%
# NBVAL_CHECK_OUTPUT
root = output_dir("00") / "shapes"
generate_shapes_dataset(root, size=32, n_train=4, n_test=2, seed=0, overwrite=True, progress=False, n_evaluator=0)
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
fig = Figure(figsize=(4.2, 2.4), layout="constrained")
draw_instances(fig.subplots(), torch.zeros(3, h, w), as_tensor)
display(fig)

# %% [markdown]
# ## Recap
#
# * An image comes with one mask channel per instance, in [−1, 1], sorted by decreasing area; an absent
#   instance is a channel of −1.
# * The shapes benchmark's two domains differ only in shape, and its oracle is the right translation of
#   every test image.
# * Datasets on disk use the authors' layout: `<phase><domain>/` images and `<phase><domain>_seg/` masks.
#
# **Questions**
# 1. Why must an absent instance be *exactly* −1 rather than "mostly −1"?
# 2. What would go wrong if the two domains' objects had different sizes on average?
#
# **Next**: [01 · CycleGAN](01_cyclegan.ipynb), the image-only translator InstaGAN builds on.
