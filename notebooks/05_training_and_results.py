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
# # 05 · Training and results
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/instagan-lite/instagan-lite/blob/main/notebooks/05_training_and_results.ipynb)
#
# **Prerequisites**: 01–04 (every piece of the objective and of the loop).
#
# **You will learn** the whole generator objective, how a training run looks (its loss curves and how to read
# them), and the paper's ablation — CycleGAN → + masks as input → InstaGAN → + sequential, with and without
# $\mathcal{L}_\text{ctx}$ — measured on the shapes benchmark at two budgets, with the lite recipe's
# deviations from the authors' code introduced and measured one by one.
#
# **Exercise**: 9 · InstaGAN's full generator objective at one step (Eq. 7).
#
# **Runtime**: about 4 minutes on 2 CPU cores, 3 of which train your own run of the lite recipe (`MINUTES`;
# set it to 15 for the shipped models' budget); the rest uses the shipped checkpoints. **The outputs below**
# were produced in learner mode.

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import json

import numpy as np
import torch
from IPython.display import Image, display

from instagan_lite import LITE_CLEANUPS, TranslateOptions, load_pretrained, translate
from instagan_lite.data.sources import shapes_test_batch
from instagan_lite.evaluate import HEADLINE_COLUMNS, benchmark, format_table
from instagan_lite.evaluators import EvaluatorConfig, load_evaluators
from instagan_lite.exercises import check_generator_objective
from instagan_lite.losses import context_preserving_loss, cycle_loss, generator_gan_loss, identity_loss
from instagan_lite.notebook import FAST, REPO, output_dir, setup_notebook
from instagan_lite.pretrained import CHECKPOINTS, registry
from instagan_lite.train import TrainConfig, Trainer
from instagan_lite.viz import compare_translations_figure, translation_figure
from instagan_lite.widgets import load_loss_log, loss_curve_widget, loss_figure

print(setup_notebook(seed=0))
MINUTES = 3.0  # your own run's training time; 15 is the shipped models' budget

# %% [markdown]
# ## The whole objective (paper Eq. 7)
#
# At each sequential step, for both directions:
#
# $$\mathcal{L}_G = \mathcal{L}_\text{LSGAN} + \lambda_\text{cyc}\,\mathcal{L}_\text{cyc}
#   + \lambda_\text{idt}\,\mathcal{L}_\text{idt} + \lambda_\text{ctx}\,\mathcal{L}_\text{ctx},\qquad
#   \lambda_\text{cyc} = \lambda_\text{idt} = \lambda_\text{ctx} = 10$$
#
# where the cycle and identity terms compare image *and* masks (one L1 over all channels), and the context
# term compares the step's input image with its translation outside the masks (notebook 03).
#
# ### Exercise 9 · assemble it
#
# Write `generator_objective(model, x, a, y, b, weights)` for one step with no earlier steps: for
# (G, G_back, D, image, masks) in A → B $(G_A, G_B, D_A, x, a)$ and B → A $(G_B, G_A, D_B, y, b)$:
# translate, `fake, fake_masks = G(image, masks)`; reconstruct with `G_back(fake, fake_masks)`; map the
# source image *and masks* with `G_back(image, masks)` for the identity term; let `D(fake, fake_masks)`
# judge. Add `generator_gan_loss`, `weights.cycle · cycle_loss`, `weights.identity · identity_loss` (both on
# image and masks concatenated on the channel axis, against `cat([image, masks])`) and
# `weights.context · context_preserving_loss(image, fake, masks, fake_masks)`. Return the scalar sum over
# both directions.


# %%
def generator_objective(model, x, a, y, b, weights):
    # BEGIN SOLUTION
    total = 0
    directions = ((model.G_A, model.G_B, model.D_A, x, a), (model.G_B, model.G_A, model.D_B, y, b))
    for G, G_back, D, image, masks in directions:
        fake, fake_masks = G(image, masks)
        rec, rec_masks = G_back(fake, fake_masks)
        idt, idt_masks = G_back(image, masks)
        real = torch.cat([image, masks], 1)
        total = total + generator_gan_loss(D(fake, fake_masks))
        total = total + weights.cycle * cycle_loss(torch.cat([rec, rec_masks], 1), real)
        total = total + weights.identity * identity_loss(torch.cat([idt, idt_masks], 1), real)
        total = total + weights.context * context_preserving_loss(image, fake, masks, fake_masks)
    return total
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_generator_objective(generator_objective)

# %% [markdown]
# ## The shipped models
#
# The package ships three generators trained for 15 minutes on 2 CPU cores with the lite recipe: InstaGAN,
# the same with $\lambda_\text{ctx} = 0$, and CycleGAN (widened for a fair parameter count). Their registry
# entries record the command, the training time and the translation options they are measured with.
# The cell also trains your own lite InstaGAN with the same defaults for `MINUTES` (a few iterations in
# fast mode, whose numbers mean nothing); it appears as "yours" in the tables and figures below.

# %%
# NBVAL_IGNORE_OUTPUT
names = ("instagan_lite_shapes32", "instagan_lite_shapes32_noctx", "cyclegan_lite_shapes32")
models = {name: load_pretrained(name) for name in names}
for name in names:
    entry = registry()[name]
    print(f"{name}: {entry['iterations']} iterations in {entry['train_minutes']} min; `{entry['command']}`")
config = TrainConfig(
    epochs=1000,
    minutes=None if FAST else MINUTES,
    max_iterations=3 if FAST else None,
    checkpoint_every=0,
    sample_every=0,
    progress=False,  # a bar would be saved at 0 % in the committed notebook; the count is printed instead
    out_dir=str(output_dir("05") / "run"),
)
trainer = Trainer(config)
result = trainer.fit()
print(f"yours: {result.iterations} iterations in {result.seconds:.0f} s")
models["yours"] = models["instagan_lite_shapes32"]._replace(model=trainer.translation_model())

# %% [markdown]
# ## Loss curves, and how to read them
#
# GAN losses do not go down the way a classifier's do: the generator and the discriminators play against
# each other, so their losses *oscillate*. What to look for: the LSGAN terms stay bounded (a
# discriminator loss near 0 for long stretches means D has won and G gets no useful signal); the identity
# and cycle terms fall; the context term starts near 0 (the residual generator starts as the identity,
# which changes nothing) and *grows* as the generator starts to change the image — a growing
# $\mathcal{L}_\text{ctx}$ is the price of changing anything, which the loss keeps small.
# Generator terms are in the left panel, discriminator losses in the right one (their scales differ).
# Means over 50 iterations, from the shipped InstaGAN's log; the printout reads the same log at the
# start and at the end:

# %%
log = load_loss_log(CHECKPOINTS / "instagan_lite_shapes32_losses.csv")
display(loss_figure(log, ["G_A/gan", "G_A/cycle", "G_A/identity", "G_A/context", "D_A", "D_B"], smoothing=50))
for term in ("G_A/gan", "G_A/cycle", "G_A/identity", "G_A/context", "D_A"):
    values = log[term][~np.isnan(log[term])]
    tenth = max(1, len(values) // 10)
    print(f"{term:13s} first tenth {values[:tenth].mean():.4f} → last tenth {values[-tenth:].mean():.4f}")

# %% [markdown]
# Read at this budget: the identity and cycle terms fall; context rises from its near-zero start; and
# $D_A$ falls while the generator's GAN term rises — the discriminators are ahead at 15 CPU minutes, one
# reason the objects are not yet repainted well (the ablation table).

# %% [markdown]
# The same log, any terms, any smoothing:

# %%
# NBVAL_IGNORE_OUTPUT
loss_curve_widget(log)

# %% [markdown]
# ## A gallery
#
# Rows: input, input masks, translation, translated masks, and the ideal translation (the oracle), both
# directions, with the shipped InstaGAN and the options it records.

# %%
instagan = models["instagan_lite_shapes32"]
for direction, domain in (("AtoB", "A"), ("BtoA", "B")):
    batch = shapes_test_batch(domain, 32, 8)
    y, b = translate(instagan.model, batch["images"], batch["masks"], direction, instagan.options)
    display(
        translation_figure(batch["images"], batch["masks"], y, b, f"shipped InstaGAN, {direction}", batch["oracle"])
    )

# %% [markdown]
# ## The paper's ablation, measured
#
# `benchmarks/ablation.py` trains every row for 15 minutes on 2 CPU cores, one at a time, and evaluates it
# on 200 test images per direction. The table below is its committed result
# (`benchmarks/results/ablation.json`); cells are A → B / B → A. The two shape columns are rates (the crop
# classifier's verdict on the image at each object, and the masks' shape), the others pixel differences
# in [−1, 1] units: in the background, in the area an old object vacated, inside the oracle's objects, and
# the mean colour error per object. "The headline" rows are scored without the clean-ups it ships with,
# except the row that says so.


# %%
def ablation_table(path, columns):
    """Print a committed ablation result (``benchmarks/results/*.json``) as a markdown table: the two
    reference rows, then one row per system; cells A → B / B → A, "—" where a row has no such score."""

    def cells(metrics):
        return " | ".join(
            " / ".join("—" if metrics[d].get(c) is None else f"{metrics[d][c]:.3f}" for d in ("AtoB", "BtoA"))
            for c in columns
        )

    results = json.loads(path.read_text())
    print("| row | iterations | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 2) + "|")
    for label, key in (("identity", "identity"), ("oracle", "oracle")):
        print(f"| {label} | — | {cells(results['reference'][key])} |")
    for row in results["rows"].values():
        print(f"| {row['description']} | {row['iterations']} | {cells(row['metrics'])} |")


columns = ["crop_shape_success", "shape_success", "background_l1", "vacated_l1", "object_l1", "colour_error"]
ablation_table(REPO / "benchmarks" / "results" / "ablation.json", columns)

# %% [markdown]
# The same rows as plain images (input, oracle, then one row per system; A → B):

# %%
display(Image(filename=str(REPO / "benchmarks" / "results" / "ablation.png")))

# %% [markdown]
# What each row adds, read from the table above (in the order of the paper's Figs. 9–10): CycleGAN has no
# masks; "+ Seg" gives it the union of the masks as an extra channel; InstaGAN encodes each instance (one
# step of two instances); the sequential rows see 4 instances two at a time, with and without
# $\mathcal{L}_\text{ctx}$. `benchmarks/results/ablation.md` states each of the paper's claims as a contrast
# between two rows, with whether it shows at this budget.
#
# The "+ Seg" row equals the identity row. It was trained before a bug was fixed: its generator added a
# residual to all four channels, the mask included, and $\mathrm{clamp}(x + 2\,\Delta, -1, 1)$ has no
# gradient where the mask is exactly ±1, so its mask output never moved, its discriminator told the fakes
# by their masks, and the image stayed the input. Now the mask is a direct output, as in InstaGAN. Nor does
# any row of this table have the picture's region scores (the vacated, grown and objects errors as ratios
# to the identity's): they were added after it was measured. The whole table takes over 2 hours to retrain
# and four of its runs were not kept, so it stays as it was measured. `python benchmarks/ablation.py
# --fifteen` retrains only the "+ Seg" row and scores it next to the shipped 15-minute models (the same
# runs as the rows above, stored in half precision), with every column of today's evaluation
# (`benchmarks/results/ablation_15min.json`):

# %%
ablation_table(REPO / "benchmarks" / "results" / "ablation_15min.json", [*HEADLINE_COLUMNS, "vacated_l1", "object_l1"])

# %% [markdown]
# Fixed, CycleGAN + Seg translates in 15 minutes. Read this table at equal wall clock, not equal
# iterations: the baselines take about three times as many iterations as the sequential InstaGAN in the
# same 15 minutes (the iterations column), and at this budget the picture is still coming in. With them
# CycleGAN + Seg paints more of the new shape than the headline (the grown column) and leaves less of the
# old one, at more than twice the background error; the headline keeps the background by
# $\mathcal{L}_\text{ctx}$ (compare its λ_ctx = 0 twin). The ablation at equal iterations, further down,
# shows the other side.
#
# The crop classifier is trained on each machine and cached, so the same model's crop score can differ by
# about 0.01 between tables scored on different machines: the oracle's crop score is 0.994 / 0.996 in the
# first table and 0.996 / 1.000 in the second, and the headline's 0.70 / 0.50 and 0.69 / 0.48.
#
# ## The lite recipe's deviations, one at a time
#
# The lite recipe differs from the authors' code in the ways below. The row "the authors' recipe at lite
# widths" turns the first two off together; the recipe search (`docs/lite_recipe.md`) measured each on
# its own, and the optional ones have their own rows:
#
# 1. **A residual image output**: $y' = \mathrm{clamp}(x + 2\,g_{GX}(h), -1, 1)$ with the last conv started at
#    zero, so every generator starts as the identity on the image. Compare the headline row with "the
#    authors' recipe at lite widths".
# 2. **An exponential moving average of the generators' weights** (decay 0.999), which is what is evaluated
#    and shipped.
# 3. **Inference clean-ups** (optional): the largest component of each generated mask, and a classical
#    repaint of the area an old instance vacated — the two "inference only" rows.
# 4. **A blend outside the masks** (optional, off): $y = w \odot x + (1-w) \odot y'$ keeps the background *by
#    construction* (background L1 0.005 / 0.003 in its row; not exactly 0 because $w$ is soft at the mask
#    edges) and leaves $\mathcal{L}_\text{ctx}$ almost nothing to do — its own row, never the headline.
#
# The clean-ups on the shipped model, measured on the test set:

# %%
n = 16 if FAST else 200
variants = {"InstaGAN": (instagan.model, TranslateOptions()), "InstaGAN + clean-ups": (instagan.model, LITE_CLEANUPS)}
print(format_table(benchmark(variants, n=n)["AtoB"]))

# %% [markdown]
# Read in learner mode (200 images, A → B): the repaint fills the vacated area (vacated 0.70 → 0.21 of the
# identity's error) and the largest component raises the masks' shape score (0.82 → 0.86), but neither
# paints the new shape (grown stays at 0.70), and inside the objects both together are slightly worse
# (objects 1.04 → 1.09, colour error 0.207 → 0.222): the area to repaint is decided by the generated masks,
# which do not match the oracle's objects exactly. Every column of these tables is defined in
# `docs/shapes_benchmark.md`.

# %% [markdown]
# ## Learned scores
#
# The paper reports a *classification score* (how often a domain classifier trained on real images calls a
# translation the target domain). The benchmark adds KID (kernel inception distance) on that classifier's
# features and a *crop classifier* that judges the shape at each input instance's centroid — the only shape
# measure for CycleGAN. Both evaluators are small CNNs trained in seconds on scenes neither the GANs nor the
# test set use, then cached.

# %%
# NBVAL_IGNORE_OUTPUT
evaluators = load_evaluators(EvaluatorConfig(images_per_domain=300, steps=150) if FAST else None)
print(
    f"domain classifier {evaluators.domain_accuracy:.1%}, crop classifier {evaluators.crop_accuracy:.1%} on held-out real scenes"
)

# %%
systems = {
    "yours": (models["yours"].model, models["yours"].options),
    "InstaGAN": (instagan.model, instagan.options),
    "InstaGAN, λ_ctx = 0": (
        models["instagan_lite_shapes32_noctx"].model,
        models["instagan_lite_shapes32_noctx"].options,
    ),
    "CycleGAN": (models["cyclegan_lite_shapes32"].model, None),
}
tables = benchmark(systems, evaluators=evaluators, n=n)
for direction, rows in tables.items():
    print(direction)
    print(format_table(rows))

# %% [markdown]
# KID is an unbiased estimate of a squared distance: 0 in expectation for two samples of the same
# distribution, so a negative value (the oracle row above) is noise around 0, not an error. The oracle's
# own values show how large that noise is here (several units of KID×100), so differences of that size
# mean nothing; and KID and the classification score can disagree about the same model. Learned scores
# are necessary, not sufficient: small CNN judges and a GAN's discriminator see alike, so read them next
# to the ground-truth columns.
#
# What the shipped checkpoints scored when they were made (the metrics file of each, abridged):

# %%
for name in names:
    metrics = json.loads((CHECKPOINTS / registry()[name]["metrics"]).read_text())
    short = {
        d: {k: metrics[d][k] for k in ("shape_success", "background_l1", "object_l1", "colour_error")} for d in metrics
    }
    print(name, json.dumps(short))

# %% [markdown]
# ## Where the picture gets with a longer run
#
# Look again at the gallery: the 15-minute model translates the masks well, but paints the new shape over
# a ghost of the old one. The package ships one more InstaGAN, `instagan_lite_shapes32_long`: the lite
# recipe with three changes that were measured to improve the picture (a discriminator at a quarter of the
# generators' learning rate, a 16×16 bottleneck instead of 8×8, and the *layered* image output, where the
# generated masks cut between an object change and a background change), trained for 12,000 iterations
# (about an hour on 2 CPU cores). It is not an ablation row: the ablation compares the 15-minute models.
# Rows: input, the oracle (the right answer), the hour-long model, the 15-minute headline and your own
# run, each with the translation options it ships with:

# %%
# NBVAL_IGNORE_OUTPUT
long_run = load_pretrained("instagan_lite_shapes32_long")
entry = registry()["instagan_lite_shapes32_long"]
print(
    f"instagan_lite_shapes32_long: {entry['iterations']} iterations in {entry['train_minutes']} min; `{entry['command']}`"
)
picture_systems = {
    "about an hour (shipped)": (long_run.model, long_run.options),
    "15 minutes (shipped)": (instagan.model, instagan.options),
    f"yours ({MINUTES:g} min)": (models["yours"].model, models["yours"].options),
}
for direction in ("AtoB", "BtoA"):
    display(compare_translations_figure(picture_systems, direction, title=direction))

# %% [markdown]
# The same models scored on the test set, with the region columns that measure the picture (vacated,
# grown, objects: the error there as a ratio to doing nothing; 0 is the oracle):

# %%
# NBVAL_IGNORE_OUTPUT
for direction, rows in benchmark(picture_systems, evaluators=evaluators, n=n).items():
    print(direction)
    print(format_table(rows))

# %% [markdown]
# Read the hour-long and the 15-minute rows side by side (in learner mode, 200 images per direction): the
# hour-long model paints the new shape (grown about 0.37 / 0.34 against the headline's 0.71 / 0.71) and its
# objects are well under half as far from the oracle as doing nothing (about 0.42 / 0.39 against 1.09 / 1.08),
# with the background as well kept (background L1 about 0.02). The crop classifier calls both models' shapes
# right (0.92–1.00): it looks at the object's centre, where a rectangle painted over an ellipse already reads
# as a rectangle, so the region columns are the ones to read here. Each model uses the clean-ups it ships
# with: the hour-long one has a third clean-up, which keeps the input where an object's old and new masks overlap
# (the part of the object that is already right; the ablation below shows the network without it). It still
# misses the project's colour target A → B (about 0.084 against 0.08); in the figure above, the smears where
# two objects overlap are what is left of the objects' error. The learning curves in `docs/lite_recipe.md` and below show where the limits
# come from; a 15-minute run of the same recipe (about 3,000 iterations: `benchmarks/results/picture_curve.md`)
# is still at grown 0.53 / 0.49.
#
# Your own run uses the headline's translation options, clean-ups included, so its vacated score is the
# classical fill's work, not the generator's. In our learner-mode builds its 3 minutes were a few hundred
# iterations (printed above): the masks had moved (oracle IoU 0.76–0.84, the identity's 0.38) and the
# background was almost untouched, but nothing of the new shape was painted yet (grown 0.96–1.00) and its
# objects were further from the oracle than doing nothing (1.08–1.20). With `MINUTES = 15` it trains like the
# 15-minute row; how many iterations fit depends on the machine (the shipped row had 1,413).
#
# How the picture improves with training, for four recipes (`benchmarks/picture_curve.py`; the dotted
# lines are the targets the project aims for; `slow_d_down1_layered` is the recipe of the hour-long model):

# %%
display(Image(filename=str(REPO / "benchmarks" / "results" / "picture_curve.png")))

# %% [markdown]
# ## The ablation at the picture budget
#
# The hour-long model's recipe was also trained, for the same 12,000 iterations, with
# $\lambda_\text{ctx} = 0$ and as the two baselines: CycleGAN and CycleGAN + Seg with the recipe's slow
# discriminator and 16×16 bottleneck (the layered output needs instance masks, so they keep the residual
# one). `python benchmarks/ablation.py --picture` scores these shipped models with no clean-ups; the last
# three rows are the picture model's network with inference clean-ups: keeping the overlap alone, the
# 15-minute model's two, and all three (what it ships with). The committed result, with the picture columns
# first (vacated, grown and objects are ratios to the identity's error):

# %%
picture_columns = [*HEADLINE_COLUMNS, "vacated_l1", "oracle_l1", "object_l1"]
ablation_table(REPO / "benchmarks" / "results" / "ablation_picture.json", picture_columns)

# %% [markdown]
# The same rows as plain images (A → B):

# %%
display(Image(filename=str(REPO / "benchmarks" / "results" / "ablation_picture.png")))

# %% [markdown]
# And the paper's claims as contrasts between those rows, from `benchmarks/results/ablation_picture.md`:

# %%
claims = (REPO / "benchmarks" / "results" / "ablation_picture.md").read_text().splitlines()
print("\n".join(line for line in claims if line.startswith("- C")))

# %% [markdown]
# Read with the figure: both CycleGANs change the shapes, but they leave the old ellipses as noisy halos
# (last column), and where objects touch they paint one smeared column over both (first column): neither
# can tell the instances apart, and CycleGAN + Seg sees only their union. CycleGAN also leaves the dark
# ellipse of the fourth column as it was. CycleGAN + Seg's crop score is as high as InstaGAN's (0.98 / 1.00
# against 0.99 / 0.99):
# the crop classifier judges one crop at each input object's centre, and a tall smear reads as a tall shape
# there.
#
# The clean-up rows act mostly on different regions: the fill repaints the vacated area (vacated 0.35 →
# 0.14 / 0.16), and keeping the overlap lowers the objects score (0.55 / 0.53 → 0.41 / 0.38) and the colour
# error.
# Inside the oracle's objects about half the pixels are already right in the input, and the network alone
# repaints them: a third of its objects error is there (`benchmarks/results/objects_breakdown.md`). Both are
# constructions, not something the generator learned, which is why they are rows of their own. The claims,
# line by line:
#
# * **C1** (the masks take the target shape, ≥ 0.95 both ways): 0.96 / 0.93, missed by 0.02 B → A.
# * **C2** (InstaGAN beats CycleGAN + Seg on the ground truth): lower on 9 of the 10 (column, direction)
#   pairs of background, vacated, whole-image (`oracle_l1`) and object L1 and colour error; only vacated
#   L1 B → A favours CycleGAN + Seg (0.204 against 0.213).
# * **C3** ($\mathcal{L}_\text{ctx}$ keeps the background): the twin without it changes the background twice
#   as much (0.038 / 0.036 against 0.019 / 0.016). The benchmark asks for at most 0.02 with the loss and at
#   most a third of the change without it: the ratio is 2.0 / 2.3, so it is not shown in that strict form.
# * **C4** (sequential translation carries over to more instances than training saw): on scenes of 8
#   objects, where training saw 1–4, the masks' shape score stays at 0.94 / 0.95 (0.96 / 0.93 on 1–4).
#
# %% [markdown]
# ## Recap
#
# * The generator objective adds four terms per direction: adversarial, cycle, identity, context.
# * The ablation table is where each of the paper's claims is measured at a CPU budget; read it with the
#   reference rows (the identity and the oracle) in view.
# * The lite recipe's deviations are measured on rows of their own: the residual output and the EMA
#   together (the authors' recipe row), the blend and the clean-ups each alone.
# * At 12,000 iterations (the picture budget) InstaGAN's objects are about half as far from the right
#   answer as doing nothing (0.55 / 0.53; 0.42 / 0.39 with its shipped clean-ups), CycleGAN's and
#   CycleGAN + Seg's two thirds or more (0.74 / 0.66 and 0.65 / 0.67), and the background stays twice as
#   close with $\mathcal{L}_\text{ctx}$ as without.
#
# **Questions**
# 1. Which columns would you trust to compare two models if the learned scores disagreed with them?
# 2. Why does the blend row keep the background whatever $\mathcal{L}_\text{ctx}$ does?
# 3. An exponential moving average of GAN weights often translates better than the last weights. Why?
#
# That is the whole method. [06 · your own data](06_real_datasets.ipynb) shows how to bring COCO, CCP or
# MHP data, and how to translate photos that come without masks.
