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
# # 02 · Instance-aware networks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/instagan-lite/instagan-lite/blob/main/notebooks/02_instance_aware_networks.ipynb)
#
# **Prerequisites**: [01 · CycleGAN](01_cyclegan.ipynb) (encoder, ResNet blocks, decoder, PatchGAN).
#
# **You will learn** how InstaGAN's generator and discriminator take a *set* of instance masks: an image
# encoder $f_{GX}$, a mask encoder $f_{GA}$ shared by all instances, a sum over the set, and two decoders,
# $g_{GX}$ for the image and $g_{GA}$ for each mask (paper Sec. 2.2, Eq. 1). You will write the set sum and
# the set discriminator yourself and check that the order of the instances does not matter.
#
# **Exercises**: 3 · the set sum $\sum_i f_{GA}(a_i)$; 4 · the set discriminator from its parts.
#
# **Runtime**: under a minute on 2 CPU cores. **The outputs below** were produced in learner mode.

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
from torch.utils.flop_counter import FlopCounterMode

from instagan_lite import SetDiscriminator, SetGenerator, instance_validity, load_pretrained
from instagan_lite.data.dataset import ShapesDataset
from instagan_lite.exercises import check_set_discriminator, check_set_sum
from instagan_lite.notebook import setup_notebook
from instagan_lite.viz import draw_instances, set_generator_diagram
from instagan_lite.widgets import set_feature_view, set_feature_widget

print(setup_notebook(seed=0))

# %% [markdown]
# ## The picture (paper Fig. 2 and Eq. 1)
#
# $$h_{GX} = \big[f_{GX}(x);\ \textstyle\sum_i f_{GA}(a_i)\big],\qquad
#   h_{GA}^n = \big[f_{GA}(a_n);\ f_{GX}(x);\ \textstyle\sum_i f_{GA}(a_i)\big]$$
# $$y' = g_{GX}(h_{GX}),\qquad b'_n = g_{GA}(h_{GA}^n)$$
#
# (The paper writes $h_{GA}^n$ with the image feature first; the authors' code puts the instance feature
# first, and so do we, so that their weights load.)

# %%
display(set_generator_diagram())

# %% [markdown]
# ## Step by step, on one image
#
# With the `lite` widths, on one test image of the shapes benchmark. The generator's four parts are
# modules named as in the authors' checkpoints: `encoder_img` is $f_{GX}$, `encoder_seg` is $f_{GA}$,
# `decoder_img` is $g_{GX}$ and `decoder_seg` is $g_{GA}$. First the image feature and one feature per
# present instance:

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
G = SetGenerator.lite().eval()
item = ShapesDataset("A", "test", size=32, length=4, seed=0)[0]
x, a = item["image"][None], item["masks"][None]  # (1, 3, 32, 32), (1, 4, 32, 32)
valid = instance_validity(a)  # which slots hold an instance (absent slots are all -1)
with torch.no_grad():
    f_gx = G.encoder_img(x)  # f_GX(x)
    f_ga = G.encoder_seg(a[0, valid[0]][:, None])  # f_GA(a_i), one row per present instance
print("present slots:", valid[0].tolist())
print("f_GX(x):", tuple(f_gx.shape), " f_GA(a_i):", tuple(f_ga.shape))

# %% [markdown]
# ### Exercise 3 · the set sum
#
# Write `set_sum(encoder, masks)`: masks (B, K, H, W) with absent slots all −1; the encoder takes one
# mask per row, (N, 1, H, W) → (N, C, h, w). Return $\sum_i \text{encoder}(a_i)$ **per sample**, over the
# slots that hold an instance, shape (B, C, h, w) (zeros for a sample with none). Hint:
# `instance_validity(masks)` is a bool (B, K).


# %%
def set_sum(encoder, masks):
    # BEGIN SOLUTION
    b, k = masks.shape[:2]
    features = encoder(masks.reshape(b * k, 1, *masks.shape[2:]))  # every slot, (B·K, C, h, w)
    features = features.reshape(b, k, *features.shape[1:])
    present = instance_validity(masks)[..., None, None, None]  # (B, K, 1, 1, 1)
    return (features * present).sum(1)  # absent slots count zero
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_set_sum(set_sum)

# %% [markdown]
# With your set sum, the two decoders give the generator's outputs — the same as the library's forward
# pass (which does every instance of a batch at once, with a validity flag per sample and slot).

# %%
# NBVAL_CHECK_OUTPUT
with torch.no_grad():
    total = set_sum(G.encoder_seg, a)  # Σ_i f_GA(a_i)
    y = G.decoder_img(torch.cat([f_gx, total], 1))  # y' = g_GX([f_GX(x); Σ])
    b0 = G.decoder_seg(torch.cat([f_ga[:1], f_gx, total], 1))  # b'_0 = g_GA([f_GA(a_0); f_GX(x); Σ])
    y_library, b_library = G(x, a)
torch.testing.assert_close(y, y_library, atol=1e-5, rtol=1e-5)
torch.testing.assert_close(b0, b_library[:, :1], atol=1e-5, rtol=1e-5)
print("your set sum + the decoders = the library's G(x, a)")

# %% [markdown]
# ## Order does not matter — shown
#
# Permute the slots: the image output must not change, the mask outputs must permute the same way, and
# absent slots come out as exactly −1.

# %%
# NBVAL_CHECK_OUTPUT
perm = torch.tensor([2, 0, 3, 1])
with torch.no_grad():
    y_perm, b_perm = G(x, a[:, perm])
torch.testing.assert_close(y_perm, y_library, atol=1e-5, rtol=1e-5)
torch.testing.assert_close(b_perm, b_library[:, perm], atol=1e-5, rtol=1e-5)
assert bool((b_library[0, ~valid[0]] == -1).all())
print("image output invariant, masks equivariant, absent slots exactly -1")

# %% [markdown]
# ## Where the parameters and the work are, at the paper's widths
#
# Parameters per part, and floating-point operations of one forward pass at 64×64 (counted with
# `FlopCounterMode`); the mask encoder and the mask decoder run once *per instance*.

# %%
# NBVAL_CHECK_OUTPUT
paper = SetGenerator.paper().eval()
x64, a64 = torch.zeros(1, 3, 64, 64), -torch.ones(1, 1, 64, 64)
a64[0, 0, 10:40, 10:30] = 1
inputs = {
    "encoder_img": x64,
    "encoder_seg": a64,
    "decoder_img": torch.zeros(1, 512, 16, 16),
    "decoder_seg": torch.zeros(1, 768, 16, 16),
}
print(f"{'part':12s} {'parameters':>12s} {'GFLOP':>7s}")
for part, value in inputs.items():
    module = getattr(paper, part)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(value)
    per = " per instance" if part.endswith("seg") else ""
    print(f"{part:12s} {sum(p.numel() for p in module.parameters()):>12,} {counter.get_total_flops() / 1e9:7.2f}{per}")
print(f"{'generator':12s} {sum(p.numel() for p in paper.parameters()):>12,}")
print(f"{'set D':12s} {sum(p.numel() for p in SetDiscriminator.paper().parameters()):>12,}")

# %% [markdown]
# The two encoders hold most of the parameters (9 residual blocks at 256 channels each). Per instance, the
# mask encoder costs about twice the work of the mask decoder at 64 px; every extra instance costs both.
# That is why the memory of a training step grows with the number of instances (notebook 04).
#
# ## The set discriminator
#
# $D$ mirrors $G$: an image PatchGAN trunk (`feature_img`), a mask trunk shared by all instances
# (`feature_seg`), their features summed over the set, and a classifier on
# [image features; set sum]. Spectral normalisation on every conv keeps it Lipschitz.
#
# ### Exercise 4 · the set discriminator from its parts
#
# Write `set_discriminator(D, images, masks)` returning `D.classifier` applied to the channel concatenation
# of `D.feature_img(images)` and the set sum of `D.feature_seg` over the instances (your `set_sum` works).


# %%
def set_discriminator(D, images, masks):
    # BEGIN SOLUTION
    return D.classifier(torch.cat([D.feature_img(images), set_sum(D.feature_seg, masks)], 1))
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_set_discriminator(set_discriminator)

# %% [markdown]
# ## Explore a trained generator: pick instances, watch the set feature
#
# Now the shipped lite InstaGAN's $G_{XY}$ (trained 15 minutes). Choose which instances enter the set:
# the middle panel is the norm of $\sum_i f_{GA}(a_i)$ over channels (where the set "is", with a
# colourbar); the right panel shows what the decoders make of it.

# %%
instagan = load_pretrained("instagan_lite_shapes32")
G_trained = instagan.model.G_A

# %%
# NBVAL_IGNORE_OUTPUT
set_feature_widget(G_trained, item["image"], item["masks"])

# %% [markdown]
# The same, as a static figure (the widget's states with 0, 1, 2, … instances; on GitHub or a static
# viewer the widget above does not render). Top row: the set feature's norm, on one colour scale for all
# panels (with no instance the set sum is exactly 0). Bottom row: what the decoders make of it, the
# image $y'$ and the masks $b'$ of the instances in the set.

# %%
n = int(valid.sum())
views = [
    set_feature_view(G_trained, item["image"], item["masks"], [j < k for j in range(a.shape[1])]) for k in range(n + 1)
]
top = max(float(v["set_norm"].max()) for v in views)
fig = Figure(figsize=(2.1 * (n + 2), 4.4), layout="constrained")
axes = fig.subplots(2, n + 2)
draw_instances(axes[0, 0], item["image"], item["masks"], legend=False)
axes[0, 0].set_title("input and instances", fontsize=8)
axes[1, 0].axis("off")
for k, view in enumerate(views):
    shown = axes[0, k + 1].imshow(view["set_norm"], cmap="magma", vmin=0, vmax=top)
    axes[0, k + 1].set_title(f"‖Σ f_GA‖, {k} instance(s)", fontsize=8)
    chosen = torch.tensor([j < k for j in range(a.shape[1])])
    out_masks = torch.where(chosen[:, None, None], view["masks"], torch.full_like(view["masks"], -1.0))
    draw_instances(axes[1, k + 1], torch.from_numpy(view["image"]).permute(2, 0, 1) * 2 - 1, out_masks, legend=False)
    axes[1, k + 1].set_title(f"decoders: y', b' ({k})", fontsize=8)
    for ax in axes[:, k + 1]:
        ax.set_xticks([])
        ax.set_yticks([])
fig.colorbar(shown, ax=axes[0, 1:], fraction=0.046, label="norm over channels")
display(fig)

# %% [markdown]
# ## Recap
#
# * The generator encodes the image once and each instance with one shared encoder; a **sum** pools the
#   instances, so the result cannot depend on their order, and the same network takes any number of them.
# * Each output mask is decoded from its own feature, the image feature and the set sum; absent slots are
#   neither encoded nor decoded.
# * The discriminator judges an image *together with* its set of masks.
#
# **Questions**
# 1. Why a sum and not a mean? What would a mean lose about the instances?
# 2. The mask decoder reads the set sum too. What could it learn from the other instances?
# 3. What would the discriminator miss if it saw only the image?
#
# **Next**: [03 · the context-preserving loss](03_context_preserving_loss.ipynb).
