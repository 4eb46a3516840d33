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
# # 03 · The context-preserving loss
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/instagan-lite/instagan-lite/blob/main/notebooks/03_context_preserving_loss.ipynb)
#
# **You will learn** how InstaGAN tells the generator to leave the background alone: a weighted L1 between
# input and output that counts only pixels outside *both* the input instances and the generated ones.
# You will compute it by hand, play with it, and train with and without it.
#
# **Runtime**: about 7 minutes on a CPU (seconds with `INSTAGAN_LITE_FAST=1`).

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import matplotlib.pyplot as plt
import torch

from instagan_lite import context_preserving_loss, context_weight
from instagan_lite.data.dataset import ShapesDataset
from instagan_lite.data.sources import DataConfig
from instagan_lite.evaluate import evaluate_model, format_table
from instagan_lite.losses import LossWeights
from instagan_lite.notebook import FAST, output_dir, setup_notebook
from instagan_lite.train import TrainConfig, Trainer
from instagan_lite.viz import mask_overlay, to_numpy_image
from instagan_lite.widgets import box_mask, context_terms, context_widget

print(setup_notebook(seed=0))

# %% [markdown]
# ## The weight w(a, b′) (paper Eq. 6)
#
# $$\mathcal{L}_\text{ctx} = \big\lVert w(a, b') \odot (x - y') \big\rVert_1,\qquad
#   w(a, b') = 1 - \mathrm{clamp}\Big(\textstyle\sum_k \tfrac{a_k+1}{2} + \sum_k \tfrac{b'_k+1}{2},\ 0,\ 1\Big)$$
#
# $w$ is 1 where the input masks $a$ **and** the generated masks $b'$ both say background, and 0 inside any
# instance, old or new: the generator may repaint where the sheep was and where the giraffe will be, and
# nowhere else. (The paper's text says "element-wise minimum"; the authors' code, and this library, use
# the union, which is what the text's explanation describes.) The mean runs over all pixels and channels.
#
# Write it yourself and compare with the library on a tiny example you can check by hand:


# %%
def my_context_loss(x, y, a, b):
    union = ((a + 1) / 2).sum(1, keepdim=True) + ((b + 1) / 2).sum(1, keepdim=True)
    w = 1 - union.clamp(0, 1)
    return (w * (x - y).abs()).mean()


# %%
# NBVAL_CHECK_OUTPUT
x = torch.zeros(1, 3, 2, 2)
y = torch.tensor([[0.5, 1.0], [0.2, 0.4]]).expand(1, 3, 2, 2)  # |x - y'| per pixel
a = torch.tensor([[[[1.0, -1.0], [-1.0, -1.0]]]])  # the input instance covers pixel (0, 0)
b = torch.tensor([[[[-1.0, 0.0], [-1.0, -1.0]]]])  # the generated mask is half-on at (0, 1)
print("w =", context_weight(a, b)[0, 0].tolist())  # [[0, 0.5], [1, 1]]
print("by hand:", 3 * (0 * 0.5 + 0.5 * 1.0 + 1 * 0.2 + 1 * 0.4) / 12)
print(
    "yours:",
    round(my_context_loss(x, y, a, b).item(), 6),
    " library:",
    round(context_preserving_loss(x, y, a, b).item(), 6),
)

# %% [markdown]
# Note that $w$ depends on the generated masks $b'$, and the authors do **not** detach it: the gradient
# of $\mathcal{L}_\text{ctx}$ also pushes $b'$ to grow over pixels the generator changed. The library keeps
# that (`detach_context_weight=False`) and offers the detached variant.

# %% [markdown]
# ## w on real examples
#
# Here the "generated" mask is the oracle's (the ideal giraffe for each sheep), and the "translation" is
# the oracle image: $w$ is dark over old and new instances alike.

# %%
data = ShapesDataset("A", "test", size=32, length=4, seed=0)
fig, axes = plt.subplots(3, 4, figsize=(7, 5.4))
for i in range(4):
    item, oracle = data[i], data.oracle(i)
    w = context_weight(item["masks"][None], oracle["masks"][None])[0, 0]
    axes[0, i].imshow(mask_overlay(item["image"], item["masks"]))
    axes[1, i].imshow(mask_overlay(oracle["image"], oracle["masks"]))
    axes[2, i].imshow(w, cmap="gray", vmin=0, vmax=1)
for ax, label in zip(axes[:, 0], ["x, a", "y', b' (oracle)", "w(a, b')"]):
    ax.set_ylabel(label, fontsize=8)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# ## Play with it
#
# Move and resize a generated box $b'$ over a translation that repainted one region. When $b'$ covers
# the repainted region the loss drops: that is the pull on $b'$ mentioned above.

# %%
item = data[0]
image = item["image"]
repainted = image.clone()
repainted[:, 6:26, 12:20] = torch.tensor([0.8, -0.6, 0.2])[:, None, None]  # a "translated" tall object
input_mask = item["masks"][0]

# %%
# NBVAL_IGNORE_OUTPUT
context_widget(image, repainted, input_mask)

# %%
# NBVAL_CHECK_OUTPUT
for label, box in (("b' on the repainted region", (16, 16, 20, 8)), ("b' elsewhere", (6, 6, 6, 6))):
    terms = context_terms(image, repainted, input_mask[None], box_mask(32, *box)[None])
    print(f"{label:28s} L_ctx = {terms['l_ctx']:.4f}")

# %%
terms = context_terms(image, repainted, input_mask[None], box_mask(32, 16, 16, 20, 8)[None])
fig, axes = plt.subplots(1, 3, figsize=(6.5, 2.3))
axes[0].imshow(to_numpy_image(image))
axes[1].imshow(to_numpy_image(repainted))
axes[2].imshow(terms["w"], cmap="gray", vmin=0, vmax=1)
for ax, title in zip(axes, ["x", "y'", "w"]):
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## With and without the loss
#
# Two short InstaGAN runs, identical but for $\lambda_\text{ctx}$ (10 and 0), compared on background L1
# (lower is better). A few minutes of CPU training is far from convergence, so read the numbers as a
# direction, not a result; notebook 05 and `benchmarks/results/ablation.md` have longer runs.

# %%
# NBVAL_IGNORE_OUTPUT
rows = {}
for lam in (10.0, 0.0):
    config = TrainConfig(
        data=DataConfig(size=16 if FAST else 32),
        weights=LossWeights(context=lam),
        batch_size=4,
        epochs=100,
        minutes=None if FAST else 3.0,
        max_iterations=2 if FAST else None,
        checkpoint_every=0,
        sample_every=0,
        progress=not FAST,
        out_dir=str(output_dir("03") / f"ctx{lam:g}"),
    )
    trainer = Trainer(config)
    trainer.fit()
    rows[f"λ_ctx = {lam:g}"] = evaluate_model(trainer.model, size=config.data.size, n=16 if FAST else 200)["AtoB"]
print(format_table(rows))

# %% [markdown]
# **Next**: [04 · sequential mini-batch translation](04_sequential_minibatch.ipynb).
