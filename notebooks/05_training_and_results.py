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
# **You will learn** how a full InstaGAN run looks — its loss curves, its translations — and how it
# compares with CycleGAN on ground-truth measures. The notebook loads the small checkpoints shipped with
# the package (trained on 2 CPU cores with the commands in `instagan_lite/checkpoints/registry.json`); set
# `TRAIN_YOURSELF = True` to train your own instead.
#
# **Runtime**: about a minute with the shipped checkpoints; 14 minutes on a CPU to train both models yourself.

# %%
import subprocess
import sys

PACKAGE = "instagan-lite[data,notebooks] @ git+https://github.com/instagan-lite/instagan-lite"
if "google.colab" in sys.modules:  # on Colab only: install the package first
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE], check=True)

# %%
import json
from dataclasses import replace

import matplotlib.pyplot as plt

from instagan_lite import LITE_CLEANUPS, ModelConfig, TranslateOptions, translate
from instagan_lite.data.sources import shapes_test_batch
from instagan_lite.evaluate import benchmark, format_table
from instagan_lite.evaluators import EvaluatorConfig, load_evaluators
from instagan_lite.notebook import FAST, output_dir, setup_notebook
from instagan_lite.pretrained import CHECKPOINTS, LoadedModel, registry, train_or_load
from instagan_lite.train import TrainConfig
from instagan_lite.viz import to_numpy_image, translation_figure
from instagan_lite.widgets import load_loss_log, loss_curve_widget, loss_curves

print(setup_notebook(seed=0))
TRAIN_YOURSELF = False

# %% [markdown]
# ## Train, or load
#
# `train_or_load` returns the shipped checkpoint when there is one (its sha256 is checked), else trains
# with the given config. The recipe is the `lite` one: 32 px shapes, batch 4, `ins_max` 4 / `ins_per` 2,
# Adam 2e-4, loss weights 10 / 10 / 10 (see the README for what `lite` changes and why).

# %%
# NBVAL_IGNORE_OUTPUT
minutes = 0.05 if FAST else 7.0  # two models: 14 minutes in all when nothing is shipped
models, sources = {}, {}
for name, method in (("instagan_lite_shapes32", "instagan"), ("cyclegan_lite_shapes32", "cyclegan")):
    shipped = registry().get(name, {}).get("config")
    recipe = TrainConfig.from_dict(shipped) if shipped else TrainConfig(model=ModelConfig(method=method))
    config = replace(
        recipe,
        minutes=minutes,
        max_iterations=2 if FAST else None,
        checkpoint_every=0,
        sample_every=0,
        progress=not FAST,
        out_dir=str(output_dir("05") / name),
    )
    if TRAIN_YOURSELF:
        from instagan_lite.train import Trainer

        trainer = Trainer(config)
        trainer.fit()
        options = TranslateOptions(ins_per=config.sequential.ins_per)
        models[name], sources[name] = LoadedModel(trainer.model.eval(), config, options), "trained"
    else:
        models[name], sources[name] = train_or_load(name, config)
print(sources)

# %% [markdown]
# ## Loss curves
#
# Every training step's loss terms go to `losses.csv`. The shipped checkpoints come with theirs. Choose
# terms and smoothing:

# %%
name = "instagan_lite_shapes32"
log_path = CHECKPOINTS / f"{name}_losses.csv"
if sources[name] == "trained" or not log_path.exists():
    log_path = output_dir("05") / name / "losses.csv"
log = load_loss_log(log_path)

# %%
# NBVAL_IGNORE_OUTPUT
loss_curve_widget(log)

# %%
terms = ["G_A/gan", "G_A/cycle", "G_A/context", "D_A"]
curves = loss_curves(log, [t for t in terms if t in log], smoothing=1 if FAST else 50)
plt.figure(figsize=(6, 3))
for term in curves:
    if term != "iteration":
        plt.plot(curves["iteration"], curves[term], label=term)
plt.xlabel("iteration")
plt.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## Gallery
#
# Rows: input, input masks, translation, translated masks, and the ideal translation (the oracle).

# %%
for direction, domain in (("AtoB", "A"), ("BtoA", "B")):
    batch = shapes_test_batch(domain, 32, 8)
    y, b = translate(models["instagan_lite_shapes32"].model, batch["images"], batch["masks"], direction)
    translation_figure(batch["images"], batch["masks"], y, b, f"InstaGAN {direction}", batch["oracle"])
    plt.show()

# %% [markdown]
# ## The lite recipe's two inference clean-ups
#
# A briefly trained generator leaves two things a person notices: one-pixel specks on a generated mask
# (enough to make a 5-pixel-wide rectangle fail the "fills its bounding box" test), and ghosts of the old
# shape where an ellipse used to be. Two classical, non-learned steps at inference fix them, each a
# documented deviation (README): `clean_masks=True` keeps each generated mask's largest 4-connected
# region, and `fill_background=True` repaints the vacated area — inside an input instance, outside every
# generated one — from the background around it. Rows: input, raw translation, with both clean-ups,
# oracle.

# %%
batch = shapes_test_batch("A", 32, 6)
lite = {"raw": TranslateOptions(), "clean masks + repaint": LITE_CLEANUPS}
pictures = {"input": batch["images"]}
for label, options in lite.items():
    pictures[label] = translate(
        models["instagan_lite_shapes32"].model, batch["images"], batch["masks"], "AtoB", options
    )[0]
pictures["oracle"] = batch["oracle"]
fig, axes = plt.subplots(len(pictures), 6, figsize=(7, 1.25 * len(pictures)))
for row, (label, images) in enumerate(pictures.items()):
    for col in range(6):
        axes[row, col].imshow(to_numpy_image(images[col]))
        axes[row, col].set_xticks([])
        axes[row, col].set_yticks([])
    axes[row, 0].set_ylabel(label.replace(" + ", "\n+ "), fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Learned scores
#
# The paper reports a *classification score* (how often a domain classifier trained on real images calls
# a translation the target domain); the benchmark adds KID on that classifier's features and a *crop
# classifier* that judges the shape at each input instance's centroid — the only shape measure for
# CycleGAN, which has no masks. Both evaluators are small CNNs that train in seconds from a seed on scenes
# neither the GANs nor the test set use, and are cached (`load_evaluators`).

# %%
# NBVAL_IGNORE_OUTPUT
evaluators = load_evaluators(EvaluatorConfig(images_per_domain=300, steps=150) if FAST else None)
print(
    f"domain classifier {evaluators.domain_accuracy:.1%}, crop classifier {evaluators.crop_accuracy:.1%} "
    "on held-out real scenes"
)

# %% [markdown]
# ## InstaGAN vs CycleGAN on the benchmark
#
# Ground-truth measures first (shape success from the translated masks' moments, IoU with the oracle's
# masks, background L1 against the oracle, vacated L1 — the ghosts —, change-IoU), with the identity and
# the oracle as reference rows, then the learned scores. CycleGAN has no masks, so its mask columns are
# empty; its background L1 and change-IoU say what it did to the rest of the image. Learned scores are
# necessary, not sufficient: at 32 px a CycleGAN can satisfy small CNN judges while repainting everything.

# %%
# NBVAL_IGNORE_OUTPUT
n = 16 if FAST else 200
systems = {
    "instagan": (models["instagan_lite_shapes32"].model, TranslateOptions()),
    "instagan + clean-ups": (models["instagan_lite_shapes32"].model, LITE_CLEANUPS),
    "cyclegan": (models["cyclegan_lite_shapes32"].model, None),
}
tables = benchmark(systems, evaluators=evaluators, n=n)
for direction, rows in tables.items():
    print(direction)
    print(format_table(rows))

# %% [markdown]
# What the shipped checkpoints scored when they were made (200 test images per direction):

# %%
# NBVAL_IGNORE_OUTPUT
for name, entry in registry().items():
    print(name, json.dumps(json.loads((CHECKPOINTS / entry["metrics"]).read_text()), indent=1)[:600])

# %% [markdown]
# That is the whole method. [06 · real datasets](06_real_datasets.ipynb) shows how to bring COCO, CCP or
# MHP data.
