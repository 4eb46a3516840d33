"""instagan-lite: a small, faithful, batched InstaGAN (Mo, Cho, Shin, ICLR 2019) that runs on a CPU.

Images are (B, 3, H, W) and instance masks (B, K, H, W), both in [-1, 1]; an absent instance is a mask
of -1 everywhere.
"""

from .cyclegan import PatchDiscriminator, PatchDiscriminatorConfig, ResnetGenerator, ResnetGeneratorConfig
from .data.layout import load_image, load_masks
from .data.sources import DataConfig, folder_test_sets
from .image_pool import ImagePool
from .losses import (
    LossWeights,
    context_preserving_loss,
    cycle_loss,
    discriminator_loss,
    generator_gan_loss,
    identity_loss,
)
from .masks import context_weight, instance_validity, largest_component, mask_area, merge_masks, select_instances
from .model import ModelConfig, TranslationModel
from .official import load_official_checkpoint
from .pretrained import load_model, load_pretrained
from .schedule import linear_decay_factor, linear_decay_scheduler
from .sequence import SequentialConfig
from .set_networks import SetDiscriminator, SetDiscriminatorConfig, SetGenerator, SetGeneratorConfig
from .step import train_step
from .train import TrainConfig, Trainer
from .translate import LITE_CLEANUPS, TranslateOptions, sequential_translate, translate

__version__ = "0.1.0"


def __getattr__(name: str):
    """The evaluation entry points, imported on first use (they load the learned evaluators' code)."""
    if name in _LAZY:
        from . import evaluate

        return getattr(evaluate, name)
    raise AttributeError(f"module 'instagan_lite' has no attribute {name!r}")


_LAZY = ("benchmark", "evaluate_model")

__all__ = [
    "LITE_CLEANUPS",
    "DataConfig",
    "ImagePool",
    "LossWeights",
    "ModelConfig",
    "PatchDiscriminator",
    "PatchDiscriminatorConfig",
    "ResnetGenerator",
    "ResnetGeneratorConfig",
    "SequentialConfig",
    "SetDiscriminator",
    "SetDiscriminatorConfig",
    "SetGenerator",
    "SetGeneratorConfig",
    "TrainConfig",
    "Trainer",
    "TranslateOptions",
    "TranslationModel",
    "__version__",
    "benchmark",
    "context_preserving_loss",
    "context_weight",
    "cycle_loss",
    "discriminator_loss",
    "evaluate_model",
    "folder_test_sets",
    "generator_gan_loss",
    "identity_loss",
    "instance_validity",
    "largest_component",
    "linear_decay_factor",
    "linear_decay_scheduler",
    "load_image",
    "load_masks",
    "load_model",
    "load_official_checkpoint",
    "load_pretrained",
    "mask_area",
    "merge_masks",
    "select_instances",
    "sequential_translate",
    "train_step",
    "translate",
]
