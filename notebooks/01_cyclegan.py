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
# # 01 · CycleGAN, piece by piece
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/instagan-lite/instagan-lite/blob/main/notebooks/01_cyclegan.ipynb)
#
# **Prerequisites**: [00 · data and masks](00_data_and_masks.ipynb) (the shapes domains, the oracle);
# PyTorch modules and autograd.
#
# **You will learn** the parts InstaGAN inherits from CycleGAN (Zhu et al. 2017) — the ResNet generator,
# the PatchGAN discriminator, the LSGAN, cycle and identity losses, the image pool — by writing two of
# them yourself, and what a CycleGAN does to the shapes: measured against the right answer.
#
# **Exercises**: 1 · the residual block; 2 · the CycleGAN generator objective. Each has a check that says
# *passed* or what is wrong; the student version of this notebook (`notebooks/exercises/`) has stubs
# instead of the solutions.
#
# **Runtime**: about 5 minutes on 2 CPU cores (a 3-minute training run); seconds with
# `INSTAGAN_LITE_FAST=1`. **The outputs below** were produced in learner mode (no fast switch) on 2 CPU cores.

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import torch
from IPython.display import display
from torch import nn

from instagan_lite import (
    ImagePool,
    ModelConfig,
    PatchDiscriminator,
    ResnetGenerator,
    cycle_loss,
    discriminator_loss,
    generator_gan_loss,
    identity_loss,
    load_pretrained,
    translate,
)
from instagan_lite.data.sources import DataConfig, shapes_test_batch
from instagan_lite.evaluate import benchmark, format_table
from instagan_lite.exercises import check_cyclegan_generator_loss, check_resnet_block
from instagan_lite.notebook import FAST, output_dir, setup_notebook
from instagan_lite.train import TrainConfig, Trainer
from instagan_lite.viz import translation_figure

print(setup_notebook(seed=0))

# %% [markdown]
# ## The residual block
#
# The generator's middle is a stack of residual blocks, $x \mapsto x + F(x)$ with
# $F = $ [reflection pad, 3×3 conv, InstanceNorm, ReLU, reflection pad, 3×3 conv, InstanceNorm]. There is
# no ReLU after the addition: the block can leave its input exactly as it is (F = 0), which makes deep
# stacks easy to train.
#
# ### Exercise 1 · write the block
#
# Write `MyResnetBlock(channels)`: an `nn.Sequential` called `conv_block` holding the seven layers above
# (so the library's weights load into it by name), and a `forward` returning $x + F(x)$.


# %%
class MyResnetBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        # BEGIN SOLUTION
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
            nn.ReLU(),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels),
        )
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION
        return x + self.conv_block(x)
        # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_resnet_block(MyResnetBlock)

# %% [markdown]
# ## Generator and discriminator
#
# The generator encodes (a 7×7 conv, then two stride-2 convs: H/4), transforms (9 residual blocks at
# 256 channels) and decodes (two transposed convs, a 7×7 conv, tanh so that outputs lie in $[-1, 1]$). The
# discriminator is a *PatchGAN*: it scores overlapping patches, not the whole image — its output is a map.


# %%
# NBVAL_CHECK_OUTPUT
def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


G, D = ResnetGenerator.paper(), PatchDiscriminator.paper()
print(f"paper widths: G {n_params(G):,} parameters, D {n_params(D):,}")
with torch.no_grad():
    print("G: (1, 3, 64, 64) ->", tuple(G(torch.zeros(1, 3, 64, 64)).shape))
    print("D: (1, 3, 64, 64) ->", tuple(D(torch.zeros(1, 3, 64, 64)).shape), "patch scores")
print(f"lite widths: G {n_params(ResnetGenerator.lite()):,}, D {n_params(PatchDiscriminator.lite()):,}")

# %% [markdown]
# ## The losses (paper Eqs. 3–5, CycleGAN's)
#
# With $G_{XY}: X \to Y$, $G_{YX}: Y \to X$ and discriminators $D_Y$, $D_X$:
#
# * **LSGAN** (least squares, Eq. 3): $D_Y$ minimises $\tfrac12\big[(D_Y(y)-1)^2 + D_Y(G_{XY}(x))^2\big]$,
#   $G_{XY}$ minimises $(D_Y(G_{XY}(x))-1)^2$; likewise for the other direction.
# * **Cycle** (Eq. 4): $\lVert G_{YX}(G_{XY}(x)) - x\rVert_1$ — translating there and back returns the input.
# * **Identity** (Eq. 5; Taigman et al. 2017, used by CycleGAN): $\lVert G_{YX}(x) - x\rVert_1$ — a
#   generator fed an image that already belongs to its output domain should leave it alone. It keeps
#   colours from drifting.
#
# The generators minimise $\mathcal{L}_\text{GAN} + \lambda_\text{cyc}\mathcal{L}_\text{cyc} +
# \lambda_\text{idt}\mathcal{L}_\text{idt}$ over both directions. A hand computation first:

# %%
# NBVAL_CHECK_OUTPUT
real, fake = torch.tensor([0.9, 1.1]), torch.tensor([0.2, -0.2])
by_hand_d = 0.5 * (((real - 1) ** 2).mean() + (fake**2).mean())  # 0.5·[(0.01 + 0.01)/2 + (0.04 + 0.04)/2]
by_hand_g = ((fake - 1) ** 2).mean()  # ((−0.8)² + (−1.2)²) / 2
assert torch.isclose(by_hand_d, discriminator_loss(real, fake)) and torch.isclose(by_hand_g, generator_gan_loss(fake))
print(f"D loss {by_hand_d.item():.4f}, G loss {by_hand_g.item():.4f}: the library agrees")

# %% [markdown]
# ### Exercise 2 · the CycleGAN generator objective
#
# Write `cyclegan_objective(G_A, G_B, D_A, D_B, x, y, weights)`: $G_A = G_{XY}$, $G_B = G_{YX}$, $D_A$
# judges domain Y, $D_B$ domain X — CycleGAN's networks, which take an image only (`G_A(x)` → an image;
# InstaGAN's will take masks too); `weights.cycle` and `weights.identity` are the λ's. Return the scalar
# sum over both directions of LSGAN + λ_cyc·cycle + λ_idt·identity, using `generator_gan_loss`,
# `cycle_loss` and `identity_loss`.


# %%
def cyclegan_objective(G_A, G_B, D_A, D_B, x, y, weights):
    # BEGIN SOLUTION
    fake_y, fake_x = G_A(x), G_B(y)
    gan = generator_gan_loss(D_A(fake_y)) + generator_gan_loss(D_B(fake_x))
    cycle = cycle_loss(G_B(fake_y), x) + cycle_loss(G_A(fake_x), y)
    identity = identity_loss(G_B(x), x) + identity_loss(G_A(y), y)
    return gan + weights.cycle * cycle + weights.identity * identity
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_cyclegan_generator_loss(cyclegan_objective)

# %% [markdown]
# ## The image pool
#
# $D$ sees a mix of fresh fakes and fakes from up to 50 earlier iterations: once the pool is full, each new
# fake is swapped, with probability ½, for a random stored one (Shrivastava et al. 2017). With a pool of
# 3, the first three queries come back as they are; after that each query is an older fake with
# probability ½ — ten queries are too few to see that (this seed happens to swap all seven), a thousand
# are not:

# %%
# NBVAL_CHECK_OUTPUT
pool = ImagePool(size=3, seed=0)
shown = [int(pool.query(torch.full((1, 1, 1, 1), float(i))).item()) for i in range(10)]
print("queried 0 … 9, shown:", shown)
shown = [int(pool.query(torch.full((1, 1, 1, 1), float(i))).item()) for i in range(10, 1010)]
print(f"of the next 1000 queries, {sum(s != i for i, s in zip(range(10, 1010), shown))} came back as an older fake")

# %% [markdown]
# ## A CycleGAN on the shapes, trained for 15 CPU minutes
#
# CycleGAN sees images only — no masks. The package ships a lite CycleGAN trained for 15 minutes on
# 2 CPU cores with the same recipe as the lite InstaGAN (generator widened ×√2 for a fair parameter count,
# as the paper does; the command is in its registry entry). Rows: input, translation, and the ideal
# translation (the oracle: the same scene in the other domain).

# %%
cyclegan = load_pretrained("cyclegan_lite_shapes32")
batch = shapes_test_batch("A", 32, 8)
y, b = translate(cyclegan.model, batch["images"], batch["masks"], "AtoB", cyclegan.options)
display(translation_figure(batch["images"], batch["masks"], y, b, "shipped lite CycleGAN, A → B", batch["oracle"]))

# %% [markdown]
# ## What did it change?
#
# The oracle lets us measure instead of squint: **background L1** is the mean change on pixels that are
# background in the input *and* in the oracle (0 is perfect); **change-IoU** compares the pixels the
# translation changed with those the oracle changed (1 is perfect); **object L1** and **colour error** ask
# how close the objects are to the right ones (`docs/shapes_benchmark.md` defines each). CycleGAN has no
# masks, so the mask columns are empty (notebook 05 adds a learned judge of the shape for it).

# %%
n = 16 if FAST else 200
tables = benchmark({"CycleGAN (shipped)": (cyclegan.model, None)}, n=n)
print(format_table(tables["AtoB"]))

# %% [markdown]
# ## Your own run
#
# Train the same recipe yourself for a few minutes and compare with the shipped model (in fast mode the
# run is a few iterations: its row shows an untrained network).

# %%
# NBVAL_IGNORE_OUTPUT
config = TrainConfig(
    model=ModelConfig(method="cyclegan", cyclegan_width=2**0.5),
    data=DataConfig(size=32),
    minutes=None if FAST else 3.0,
    max_iterations=3 if FAST else None,
    epochs=100,
    checkpoint_every=0,
    sample_every=0,
    progress=False,  # a bar would be saved at 0 % in the committed notebook; the count is printed instead
    out_dir=str(output_dir("01") / "cyclegan"),
)
trainer = Trainer(config)
result = trainer.fit()
print(f"{result.iterations} iterations in {result.seconds:.0f} s")
mine = trainer.translation_model()
tables = benchmark({"CycleGAN (shipped, 15 min)": (cyclegan.model, None), "CycleGAN (yours)": (mine, None)}, n=n)
print(format_table(tables["AtoB"]))

# %% [markdown]
# ## Recap
#
# * A CycleGAN learns two generators that undo each other (cycle loss), leave the other domain alone
#   (identity loss) and fool a patch discriminator (LSGAN), from unpaired images.
# * It sees no masks: nothing tells it *which* pixels belong to an object, so it must guess where to
#   change. The table above shows the cost: it changes background pixels (background L1 0.03) and its
#   changes overlap the oracle's only partly (change-IoU 0.36); inside the objects it is no closer to the
#   right answer than doing nothing (object L1 0.28 against the identity's 0.275). Notebook 05 puts
#   InstaGAN next to it — which, in 15 CPU minutes, is no better inside the objects either.
#
# **Questions**
# 1. The identity loss asks $G_{YX}(x) \approx x$ for $x \in X$. Why does that discourage colour changes?
# 2. A PatchGAN's score at one output position sees only a patch of the input. What can it not judge?
# 3. Without the image pool, what could happen when $D$ only ever sees the newest fakes?
#
# **Next**: [02 · instance-aware networks](02_instance_aware_networks.ipynb).
