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
# **You will learn** how InstaGAN's generator and discriminator take a *set* of instance masks: an image
# encoder $f_{GX}$, a mask encoder $f_{GA}$ shared by all instances, a sum over the set, and two decoders
# $g_{GX}$ (image) and $g_{GA}$ (each mask). You will check that the result does not depend on the order
# of the instances — by experiment, not by claim.
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
import torch

from instagan_lite import SetDiscriminator, SetGenerator, instance_validity
from instagan_lite.data.dataset import ShapesDataset
from instagan_lite.notebook import setup_notebook
from instagan_lite.set_networks import encode_set
from instagan_lite.viz import mask_overlay
from instagan_lite.widgets import set_feature_view, set_feature_widget

print(setup_notebook(seed=0))

# %% [markdown]
# ## The representation (paper Eq. 1)
#
# $$h_{GX} = \big[f_{GX}(x);\ \textstyle\sum_i f_{GA}(a_i)\big],\qquad
#   h_{GA}^n = \big[f_{GA}(a_n);\ f_{GX}(x);\ \textstyle\sum_i f_{GA}(a_i)\big]$$
# $$y' = g_{GX}(h_{GX}),\qquad b'_n = g_{GA}(h_{GA}^n)$$
#
# The sum makes the image output independent of instance order, and each mask output depends on its own
# instance *and* on the whole set. (The authors' code puts the instance feature first in $h_{GA}^n$; we
# follow the code so their weights load.) Step by step, on one shapes image with the `lite` widths:

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
G = SetGenerator.lite().eval()
item = ShapesDataset("A", "test", size=32, length=4, seed=0)[0]
x, a = item["image"][None], item["masks"][None]  # (1, 3, 32, 32), (1, 4, 32, 32)
valid = instance_validity(a)
with torch.no_grad():
    f_gx = G.encoder_img(x)  # f_GX(x)
    f_ga, set_sum = encode_set(G.encoder_seg, a, valid)  # f_GA(a_i) for the valid a_i, and their sum
    y = G.decoder_img(torch.cat([f_gx, set_sum], 1))  # g_GX
    b0 = G.decoder_seg(torch.cat([f_ga[:1], f_gx, set_sum], 1))  # g_GA for instance 0
print("valid instances:", valid[0].tolist())
print("f_GX(x):", tuple(f_gx.shape), " f_GA(a_i):", tuple(f_ga.shape), " sum:", tuple(set_sum.shape))
print("y':", tuple(y.shape), " b'_0:", tuple(b0.shape))

# %% [markdown]
# The library's forward pass does the same for every instance at once — batched, with a validity flag
# per (sample, instance), so a batch may mix images with different numbers of instances:

# %%
# NBVAL_CHECK_OUTPUT
with torch.no_grad():
    y_lib, b_lib = G(x, a)
print(torch.allclose(y_lib, y, atol=1e-5), torch.allclose(b_lib[:, :1], b0, atol=1e-5))

# %% [markdown]
# ## Order does not matter — shown
#
# Permute the mask slots: the image output should not change, and the mask outputs should permute the
# same way. Absent slots (all $-1$) are neither encoded nor decoded and come out as exactly $-1$.

# %%
# NBVAL_CHECK_OUTPUT
perm = torch.tensor([2, 0, 3, 1])
with torch.no_grad():
    y_p, b_p = G(x, a[:, perm])
print("image output unchanged (max change < 1e-5):", (y_p - y_lib).abs().max().item() < 1e-5)
print("masks permute with the slots:", torch.allclose(b_p, b_lib[:, perm], atol=1e-5))
print("absent slots exactly -1:", bool((b_lib[0, ~valid[0]] == -1).all()))

# %% [markdown]
# ## Sizes at the paper's widths
#
# Two encoders of 9 residual blocks each make the generator large; the mask decoder takes 768 channels at
# H/4 (instance + image + sum features), which makes it the expensive part per instance.

# %%
# NBVAL_CHECK_OUTPUT
paper = SetGenerator.paper()
for part in ("encoder_img", "encoder_seg", "decoder_img", "decoder_seg"):
    print(f"{part:12s} {sum(p.numel() for p in getattr(paper, part).parameters()):>12,}")
print(f"{'generator':12s} {sum(p.numel() for p in paper.parameters()):>12,}")
print(f"{'set D':12s} {sum(p.numel() for p in SetDiscriminator.paper().parameters()):>12,}")

# %% [markdown]
# ## The set discriminator
#
# $D$ mirrors $G$: an image PatchGAN trunk and a mask trunk shared by all instances, their features summed
# over the set, and a classifier on [image features; set sum]. Spectral normalisation on every conv keeps it
# Lipschitz. It, too, is invariant to instance order:

# %%
# NBVAL_CHECK_OUTPUT
D = SetDiscriminator.lite().eval()
with torch.no_grad():
    print(tuple(D(x, a).shape), torch.allclose(D(x, a), D(x, a[:, perm]), atol=1e-5))

# %% [markdown]
# ## Explore: pick instances, watch the set feature
#
# Choose which instances enter the set. The middle panel is the norm of $\sum_i f_{GA}(a_i)$ over channels
# (where the set "is"); the right panel shows $g_{GX}$ and $g_{GA}$'s outputs. The network is untrained
# here, so the outputs are not translations yet — look at how the set feature follows the instances.

# %%
# NBVAL_IGNORE_OUTPUT
set_feature_widget(G, item["image"], item["masks"])

# %%
n = int(valid.sum())
fig, axes = plt.subplots(1, n + 1, figsize=(2.2 * (n + 1), 2.4))
for k in range(n + 1):
    chosen = [j < k for j in range(a.shape[1])]
    view = set_feature_view(G, item["image"], item["masks"], chosen)
    axes[k].imshow(view["set_norm"], cmap="magma")
    axes[k].set_title(f"{k} instance(s)", fontsize=8)
    axes[k].set_axis_off()
plt.show()
plt.figure(figsize=(2.4, 2.4))
plt.imshow(mask_overlay(item["image"], item["masks"]))
plt.axis("off")
plt.show()

# %% [markdown]
# **Next**: [03 · the context-preserving loss](03_context_preserving_loss.ipynb).
