"""The sequential spec shared by training and inference, and the per-method object."""

from __future__ import annotations

import pytest
import torch

from instagan_lite import SequentialConfig, TranslateOptions, TranslationModel
from instagan_lite.methods import CYCLEGAN, CYCLEGAN_SEG, INSTAGAN, METHODS, get_method
from instagan_lite.sequence import step_slices
from tests.helpers import rect_masks


def test_training_drops_a_partial_last_slice_and_inference_keeps_it():
    training = SequentialConfig(ins_max=5, ins_per=2)
    assert training.slices(5) == [slice(0, 2), slice(2, 4)]
    assert training.n_steps == 2  # the authors' M = ins_max // ins_per
    inference = SequentialConfig.inference(ins_per=2)
    assert inference.slices(5) == [slice(0, 2), slice(2, 4), slice(4, 6)]
    assert SequentialConfig(5, 2, drop_last=False).n_steps == 3
    assert step_slices(0, 2) == [slice(0, 0)]


def test_inference_spec_of_a_training_spec_keeps_ins_per_only():
    trained = SequentialConfig(ins_max=3, ins_per=3, order="random")
    assert trained.for_inference() == SequentialConfig(ins_max=None, ins_per=3, order="decreasing", drop_last=False)
    assert SequentialConfig.inference().slots(7) == 7  # every instance
    assert SequentialConfig(ins_max=4).slots(7) == 4 and SequentialConfig(ins_max=4).slots(2) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ins_per": 0}, "ins_per must be >= 1, got 0"),
        ({"ins_max": 2, "ins_per": 3}, "need 1 <= ins_per <= ins_max, got ins_per=3, ins_max=2"),
        ({"order": "area"}, "order must be one of"),
    ],
)
def test_bad_specs_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        SequentialConfig(**kwargs)


def test_n_steps_needs_ins_max():
    with pytest.raises(ValueError, match="n_steps needs ins_max"):
        _ = SequentialConfig.inference().n_steps


def test_translate_options_round_trip_and_read_the_flat_form_of_older_files():
    options = TranslateOptions(SequentialConfig.inference(ins_per=2, ins_max=3), clean_masks=True)
    assert TranslateOptions.from_dict(options.as_dict()) == options
    assert options.as_dict()["sequential"] == {"ins_max": 3, "ins_per": 2, "order": "decreasing", "drop_last": False}
    old = {"ins_per": 1, "ins_max": None, "order": "decreasing", "paste_back": True}
    assert TranslateOptions.from_dict(old) == TranslateOptions(SequentialConfig.inference(ins_per=1), paste_back=True)
    assert TranslateOptions.from_dict({}) == TranslateOptions()


def test_translate_options_refuse_a_spec_given_twice_or_not_a_spec():
    with pytest.raises(ValueError, match=r"both 'sequential' and \['ins_per'\]"):
        TranslateOptions.from_dict({"sequential": {"ins_per": 2}, "ins_per": 3})
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        TranslateOptions.from_dict({"colour": True})
    with pytest.raises(TypeError, match="sequential must be a SequentialConfig"):
        TranslateOptions(2)
    with pytest.raises(ValueError, match=r"keeps the last partial step: use config\.sequential\.for_inference\(\)"):
        TranslateOptions(SequentialConfig())  # the training spec


def test_older_flat_options_with_ins_per_above_ins_max_translate_ins_max_in_one_step():
    options = TranslateOptions.from_dict({"ins_per": 3, "ins_max": 2})
    assert options.sequential == SequentialConfig.inference(ins_per=2, ins_max=2)


def test_the_three_methods_and_an_unknown_name():
    assert METHODS == ("instagan", "cyclegan", "cyclegan_seg")
    assert [get_method(n).instance_wise for n in METHODS] == [True, False, False]
    assert [get_method(n).mask_channels for n in METHODS] == [0, 0, 1]
    expected = r"method must be one of \('instagan', 'cyclegan', 'cyclegan_seg'\), got 'unet'"
    with pytest.raises(ValueError, match=expected):
        get_method("unet")


def test_each_method_prepares_its_own_mask_channels():
    boxes = [(0, 0, 2, 2), (4, 4, 12, 12), (0, 10, 4, 14)]  # areas 4, 64, 16; the 4th slot is empty
    masks = rect_masks([boxes, boxes], 4, 16)
    chosen = INSTAGAN.prepare_masks(masks, ins_max=2)
    assert torch.equal(chosen, masks[:, [1, 2]])  # the two largest, in decreasing area
    assert CYCLEGAN.prepare_masks(masks, ins_max=2).shape == (2, 0, 16, 16)
    union = CYCLEGAN_SEG.prepare_masks(masks, ins_max=2)
    assert union.shape == (2, 1, 16, 16)
    assert torch.equal(union[:, 0] > 0, (masks > 0).any(1))  # every instance, not only ins_max of them


def test_a_model_builds_the_networks_its_method_names():
    for name, in_channels in (("cyclegan", 3), ("cyclegan_seg", 4)):
        model = TranslationModel.build(name, "lite", seed=0)
        assert model.method_spec is get_method(name)
        first_conv = next(m for m in model.G_A.modules() if isinstance(m, torch.nn.Conv2d))
        assert first_conv.in_channels == in_channels
    assert TranslationModel.build("instagan", "lite", seed=0).method_spec is INSTAGAN
