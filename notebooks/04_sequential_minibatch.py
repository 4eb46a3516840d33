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
# **Prerequisites**: [02](02_instance_aware_networks.ipynb) (the set generator) and
# [03](03_context_preserving_loss.ipynb) (the losses of one step).
#
# **You will learn** why memory grows with the number of instances, how InstaGAN translates a few
# instances at a time instead (paper Sec. 2.3), what is detached between steps, and how the same loop lets
# you translate only the instances you choose — and whether a model trained on 1–4 instances copes with 8.
#
# **Exercises**: 7 · the m-step loop with its detaches; 8 · what the discriminator sees at step m.
#
# **Runtime**: about 2 minutes on 2 CPU cores. **The outputs below** were produced in learner mode.

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import torch
from IPython.display import display
from matplotlib.figure import Figure

from instagan_lite import ImagePool, SequentialConfig, TranslationModel, load_pretrained, select_instances, train_step
from instagan_lite.data.dataset import ShapesDataset
from instagan_lite.data.shapes import make_shapes_batch
from instagan_lite.data.sources import shapes_test_sets
from instagan_lite.evaluate import benchmark, format_table
from instagan_lite.exercises import check_aggregated_fake, check_sequential_loop
from instagan_lite.masks import mask_area, pad_masks
from instagan_lite.notebook import FAST, setup_notebook
from instagan_lite.profiling import saved_activation_mib
from instagan_lite.viz import draw_instances, sequential_strip
from instagan_lite.widgets import selective_translation, selective_translation_widget

print(setup_notebook(seed=0))

# %% [markdown]
# ## Memory grows with the instances
#
# Every instance goes through the mask encoder $f_{GA}$ and the mask decoder $g_{GA}$, and autograd keeps
# their activations until the backward pass. Translating all $N$ instances in one step therefore needs
# memory that grows linearly with $N$ (a fixed part for the image, plus a part per instance). Measured: what autograd saves for one generator update of the `lite`
# networks at 64 px (parameters excluded), all instances at once against one step of two instances —
# which is what a sequential step holds however many steps there are, because earlier steps are
# detached (the loop below).

# %%
torch.manual_seed(0)
model = TranslationModel.build("instagan", "lite", seed=0)
counts = [1, 2, 4, 8] if FAST else [1, 2, 4, 6, 8, 12, 16]
one_shot, sequential = [], []
for n in counts:
    x, m = make_shapes_batch("A", 1, 64, n, seed=1)
    one_shot.append(saved_activation_mib(model.G_A, model.G_B, model.D_A, x, m))
    sequential.append(saved_activation_mib(model.G_A, model.G_B, model.D_A, x, m[:, : min(n, 2)]))
fig = Figure(figsize=(4.6, 2.9), layout="constrained")
ax = fig.subplots()
ax.plot(counts, one_shot, "o-", label="one-shot (all instances at once)")
ax.plot(counts, sequential, "s-", label="sequential (2 per step)")
ax.set_xlabel("instances in the image")
ax.set_ylabel("saved activations (MiB)")
ax.legend(fontsize=7)
display(fig)
print(
    f"one-shot: {one_shot[0]:.1f} → {one_shot[-1]:.1f} MiB; sequential: {sequential[0]:.1f} → {sequential[-1]:.1f} MiB"
)

# %% [markdown]
# ## Which instances, in which order
#
# For each image, InstaGAN keeps the `ins_max` largest instances (decreasing area by default; the paper
# found that better than random order, because small instances are often occluded) and feeds them
# `ins_per` at a time: in training $M = \lfloor \text{ins\_max} / \text{ins\_per} \rfloor$ steps (as the
# authors do, a leftover when `ins_max % ins_per != 0` is dropped); at inference a last, shorter slice
# is translated too, so every instance asked for is. With the slots shuffled:

# %%
# NBVAL_CHECK_OUTPUT
x, m = make_shapes_batch("A", 1, 32, 4, seed=3)
shuffled = m[:, [3, 1, 0, 2]]
print("areas of the shuffled slots:", [round(v, 3) for v in mask_area(shuffled)[0].tolist()])
selected, index = select_instances(shuffled, k=4)
print("slots taken, largest first:", index[0].tolist())
print("their areas:", [round(v, 3) for v in mask_area(selected)[0].tolist()])
print("steps with ins_max 4, ins_per 2:", SequentialConfig(4, 2).n_steps)

# %% [markdown]
# ## The loop (paper Eq. 10 and Fig. 3)
#
# At step $m$ the generator sees the current image $x_m$ and the step's masks $a_m$:
# $(y'_m, b'_m) = G(x_m, a_m)$; then $x_{m+1} = y'_m$, **detached** — no gradient crosses steps, so the
# memory of a step does not depend on how many steps came before.
#
# ### Exercise 7 · the m-step loop
#
# Write `sequential_loop(G, x, masks, ins_per)`: masks (B, K, H, W) are already in decreasing-area order;
# slice them `ins_per` at a time (a last, shorter slice is a step too, as at inference), run the generator, feed the
# detached image forward, and return the list of `(y'_m, b'_m)` of every step.


# %%
def sequential_loop(G, x, masks, ins_per):
    # BEGIN SOLUTION
    steps = []
    for start in range(0, masks.shape[1], ins_per):
        y, b = G(x, masks[:, start : start + ins_per])
        steps.append((y, b))
        x = y.detach()
    return steps
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_sequential_loop(sequential_loop)

# %% [markdown]
# The loop, drawn, with the shipped lite InstaGAN (trained 15 minutes): each panel is the image the step
# receives, with that step's instances outlined; then the result and, last, the oracle: what the
# translation should look like.

# %%
instagan = load_pretrained("instagan_lite_shapes32")
test_set = ShapesDataset("A", "test", size=32, length=10, seed=0)
scene = test_set[2]
order, _ = select_instances(scene["masks"][None], 4)
display(sequential_strip(instagan.model.G_A, scene["image"], order[0], ins_per=2, oracle=test_set.oracle(2)["image"]))

# %% [markdown]
# ## What the discriminator sees at step m
#
# The fake for $D$ is the aggregated $(y'_m, b'_{1..m})$: the step's image with the masks generated so far
# — earlier ones detached — padded with −1 to the real sample's slots. The real sample is always the
# original image with all of its selected masks.
#
# ### Exercise 8 · the aggregated fake
#
# Write `aggregated_fake(y_m, earlier, b_m, slots)`: `earlier` is the list of $b'_1 … b'_{m-1}$; return
# the (B, 3 + slots, H, W) tensor [y'_m, earlier masks (detached), b'_m, −1 padding]. `pad_masks(masks,
# slots)` appends −1 planes.


# %%
def aggregated_fake(y_m, earlier, b_m, slots):
    # BEGIN SOLUTION
    masks = torch.cat([*(m.detach() for m in earlier), b_m], 1)
    return torch.cat([y_m, pad_masks(masks, slots)], 1)
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_aggregated_fake(aggregated_fake)

# %% [markdown]
# ## One training iteration
#
# The library's `train_step` runs exactly this loop, with one generator update and one discriminator
# update per step. With 8 instances and `ins_per` 2 that is 4 steps, each logging its own losses:

# %%
# NBVAL_CHECK_OUTPUT
opt_G, opt_D = model.optimizers()  # one Adam for both G, one for both D, lr 2e-4, betas (0.5, 0.999)
a_img, a_masks = make_shapes_batch("A", 2, 32, 8, seed=1)
b_img, b_masks = make_shapes_batch("B", 2, 32, 8, seed=2)
pools = (ImagePool(), ImagePool())
history = train_step(model, opt_G, opt_D, pools, a_img, a_masks, b_img, b_masks, SequentialConfig(8, 2))
print(len(history), "steps; each logs", sorted(history[0]))

# %% [markdown]
# ## More instances than in training
#
# The shipped model saw 1–4 instances per image. Translating images with exactly 1, 4 and 8 objects of the
# training sizes (on a 48 px canvas, so that 8 fit), two per step, measured against the oracle:

# %%
n = 16 if FAST else 200
rows = {}
for k in (1, 4, 8):
    tests = shapes_test_sets(48, n, instances=k, object_scale=32 / 48)
    result = benchmark({"shipped": (instagan.model, instagan.options)}, tests, references=False)
    for direction in ("AtoB", "BtoA"):
        rows[f"{k} instance(s), {direction}"] = result[direction]["shipped"]
print(format_table(rows))

# %% [markdown]
# ## Choose what to translate
#
# At inference the same loop can take any subset of instances: the chosen ones are translated (in
# decreasing-area order, two at a time, with the clean-ups the shipped model records in its options) and the
# input is pasted back outside them, so everything else — other instances included — stays exactly as it
# was. Only the chosen instances are tinted in the results below.

# %%
# NBVAL_IGNORE_OUTPUT
selective_translation_widget(instagan.model.G_A, scene["image"], scene["masks"], options=instagan.options)

# %%
count = int((scene["masks"] > -1).flatten(1).any(1).sum())
fig = Figure(figsize=(2.3 * (count + 1), 2.6), layout="constrained")
axes = fig.subplots(1, count + 1)
draw_instances(axes[0], scene["image"], scene["masks"], alpha=0.0, legend=False)
axes[0].set_title("input (outlines: its instances)", fontsize=8)
for k in range(count):
    chosen = [j == k for j in range(scene["masks"].shape[0])]
    result = selective_translation(instagan.model.G_A, scene["image"], scene["masks"], chosen, options=instagan.options)
    axes[k + 1].imshow(result["overlay"])
    axes[k + 1].set_title(f"only instance {k}", fontsize=8)
    axes[k + 1].set_xticks([])
    axes[k + 1].set_yticks([])
display(fig)

# %% [markdown]
# ## Recap
#
# * One-shot translation keeps every instance's activations for the backward pass; two at a time keeps
#   memory flat (the plot above).
# * The next step's image is the detached translation; the discriminator sees the aggregated masks so far
#   against a real image with all of its masks.
# * The same loop translates any subset of instances, and more instances than training had (the table).
#
# **Questions**
# 1. What would go wrong if $x_{m+1}$ were not detached?
# 2. Why might decreasing area beat random order when objects occlude each other?
# 3. At step 1, the fake carries fewer masks than the real sample. Could the discriminator exploit that?
#
# **Next**: [05 · training and results](05_training_and_results.ipynb).
