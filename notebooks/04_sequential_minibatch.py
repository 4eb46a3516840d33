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
# # 04 · Sequential mini-batch translation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/instagan-lite/instagan-lite/blob/main/notebooks/04_sequential_minibatch.ipynb)
#
# **You will learn** why memory grows with the number of instances, how InstaGAN translates a few
# instances at a time instead (paper Sec. 2.3), what is detached between steps, and how the same loop
# lets you translate only the instances you choose.
#
# **Runtime**: about a minute on a CPU.

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import matplotlib.pyplot as plt
import torch

from instagan_lite import ImagePool, SequentialConfig, TranslationModel, select_instances, train_step
from instagan_lite.data.dataset import ShapesDataset
from instagan_lite.data.shapes import make_shapes_batch
from instagan_lite.notebook import FAST, REPO, output_dir, setup_notebook
from instagan_lite.pretrained import train_or_load
from instagan_lite.profiling import saved_activation_mib
from instagan_lite.train import TrainConfig
from instagan_lite.viz import mask_overlay
from instagan_lite.widgets import selective_translation, selective_translation_widget

print(setup_notebook(seed=0))

# %% [markdown]
# ## Memory grows with the instances
#
# Every instance goes through the mask encoder $f_{GA}$ and the mask decoder $g_{GA}$, and autograd keeps
# their activations until the backward pass. Translating all $N$ instances in one step therefore needs
# memory proportional to $N$. We measure what autograd saves for one generator update of the `lite`
# networks at 64 px (parameters excluded):

# %%
torch.manual_seed(0)
model = TranslationModel.build("instagan", "lite", seed=0)
counts = [1, 2, 4, 8] if FAST else [1, 2, 4, 6, 8, 12, 16]
one_shot, sequential = [], []
for n in counts:
    x, m = make_shapes_batch("A", 1, 64, n, seed=1)
    one_shot.append(saved_activation_mib(model.G_A, model.G_B, model.D_A, x, m))
    sequential.append(saved_activation_mib(model.G_A, model.G_B, model.D_A, x, m[:, : min(n, 2)]))
plt.figure(figsize=(4.5, 2.8))
plt.plot(counts, one_shot, "o-", label="one-shot (all instances at once)")
plt.plot(counts, sequential, "s-", label="sequential (2 per step)")
plt.xlabel("instances in the image")
plt.ylabel("saved activations (MiB)")
plt.legend(fontsize=7)
plt.show()

# %% [markdown]
# The full training step (both directions, D updates, Adam) measured by `benchmarks/train_step.py` tells
# the same story at the paper's widths:

# %%
# NBVAL_IGNORE_OUTPUT
table = REPO / "benchmarks" / "results" / "train_step.md"
print(
    "\n".join(line for line in table.read_text().splitlines() if "paper" in line or line.startswith("| preset"))
    if table.exists()
    else "run benchmarks/train_step.py to produce the table"
)

# %% [markdown]
# ## Which instances, in which order
#
# For each image, InstaGAN keeps the `ins_max` largest instances (decreasing area by default; the paper
# found that better than random order, because small instances are often occluded) and feeds them
# `ins_per` at a time: $M = \lfloor \text{ins\_max} / \text{ins\_per} \rfloor$ steps.

# %%
# NBVAL_CHECK_OUTPUT
x, m = make_shapes_batch("A", 1, 32, 4, seed=3)
print("areas:", [round(v, 3) for v in ((m + 1) / 2).flatten(2).mean(-1)[0].tolist()])
selected, index = select_instances(m[:, [3, 1, 0, 2]], k=4)
print("slots in decreasing area:", index[0].tolist())
print("steps with ins_max=4, ins_per=2:", SequentialConfig(4, 2).n_steps)

# %% [markdown]
# ## One training iteration, step by step
#
# At step $m$ the generator sees the current image $x_m$ and the step's masks $a_m$; **one** generator
# update and **one** discriminator update follow; then $x_{m+1} = y'_m$.detach(). No gradient crosses steps.
# The discriminator's fake is the aggregated $(y'_m, b'_{1..m})$ — earlier masks detached — padded with
# $-1$; its real sample is always the original image with all selected masks. With 8 instances and
# `ins_per=2` that is 4 G and 4 D updates:

# %%
# NBVAL_CHECK_OUTPUT
opt_G, opt_D = model.optimizers()  # one Adam for both G, one for both D, lr 2e-4, betas (0.5, 0.999)
a_img, a_masks = make_shapes_batch("A", 2, 32, 8, seed=1)
b_img, b_masks = make_shapes_batch("B", 2, 32, 8, seed=2)
history = train_step(
    model,
    opt_G,
    opt_D,
    (ImagePool(), ImagePool()),
    a_img,
    a_masks,
    b_img,
    b_masks,
    SequentialConfig(ins_max=8, ins_per=2),
)
print(len(history), "steps; logged per step:", sorted(history[0]))

# %% [markdown]
# ## Choose what to translate
#
# At inference the same loop can take any subset of instances: the chosen ones are translated (in
# decreasing-area order, `ins_per` at a time) and the input is pasted back outside them, so everything
# else — other instances included — stays exactly as it was. We use the shipped `lite` InstaGAN if the
# package has one, else train a small one.

# %%
# NBVAL_IGNORE_OUTPUT
config = TrainConfig(
    minutes=None if FAST else 5.0,
    max_iterations=2 if FAST else None,
    epochs=100,
    checkpoint_every=0,
    sample_every=0,
    progress=not FAST,
    out_dir=str(output_dir("04") / "run"),
)
instagan, source = train_or_load("instagan_lite_shapes32", config)
print("model:", source)

# %%
item = ShapesDataset("A", "test", size=32, length=10, seed=0)[2]
G = instagan.model.G_A

# %%
# NBVAL_IGNORE_OUTPUT
selective_translation_widget(G, item["image"], item["masks"])

# %%
n = int((item["masks"] > -1).flatten(1).any(1).sum())
fig, axes = plt.subplots(1, n + 1, figsize=(2.2 * (n + 1), 2.4))
axes[0].imshow(mask_overlay(item["image"], item["masks"]))
axes[0].set_title("input", fontsize=8)
for k in range(n):
    chosen = [j == k for j in range(item["masks"].shape[0])]
    axes[k + 1].imshow(selective_translation(G, item["image"], item["masks"], chosen)["overlay"])
    axes[k + 1].set_title(f"only instance {k}", fontsize=8)
for ax in axes:
    ax.set_axis_off()
plt.show()

# %% [markdown]
# **Next**: [05 · training and results](05_training_and_results.ipynb).
