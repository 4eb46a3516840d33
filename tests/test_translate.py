"""Translation at inference: the sequential loop, selective translation, the clean-ups."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from instagan_lite import SequentialConfig, SetGenerator, TranslateOptions, largest_component, sequential_translate
from instagan_lite.translate import fill_vacated, keep_overlap
from tests.helpers import make_batch, rect_masks


def test_sequential_translate_one_step_equals_a_direct_call():
    g = SetGenerator.lite().eval()
    x, m = make_batch(3, batch=1)
    y_seq, b_seq = sequential_translate(g, x, m, TranslateOptions(SequentialConfig.inference(ins_per=3)))
    with torch.no_grad():
        y, b = g(x, m)
    torch.testing.assert_close(y_seq, y)
    torch.testing.assert_close(b_seq, b)


def test_sequential_translate_feeds_the_image_forward_and_scatters_masks_to_their_slots():
    g = SetGenerator.lite().eval()
    x, m = make_batch(4, batch=1)
    perm = [2, 0, 3, 1]  # slot order differs from area order
    y, b = sequential_translate(g, x, m[:, perm], TranslateOptions(SequentialConfig.inference(ins_per=2)))
    with torch.no_grad():
        y1, b1 = g(x, m[:, [0, 1]])  # the two largest first
        y2, b2 = g(y1, m[:, [2, 3]])
    torch.testing.assert_close(y, y2)
    torch.testing.assert_close(b, torch.cat([b2[:, :1], b1[:, :1], b2[:, 1:], b1[:, 1:]], 1))


def test_selective_translation_changes_only_the_chosen_instance():
    g = SetGenerator.lite().eval()
    x, m = make_batch(4, batch=2)
    y, b = sequential_translate(g, x, m, instances=[2])
    assert torch.equal(b[:, [0, 1, 3]], m[:, [0, 1, 3]])
    assert not torch.equal(b[:, 2], m[:, 2])
    region = ((m[:, 2:3] > 0) | (b[:, 2:3] > 0)).expand_as(x)
    assert torch.equal(y[~region], x[~region])
    assert not torch.equal(y[region], x[region])


def test_selective_translation_rejects_bad_indices():
    g = SetGenerator.lite().eval()
    x, m = make_batch(2, batch=1)
    with pytest.raises(ValueError, match=r"instance indices must lie in \[0, 2\)"):
        sequential_translate(g, x, m, instances=[5])


def test_fill_vacated_repaints_only_the_vacated_area_from_the_background():
    size = 12
    a = rect_masks([[(2, 1, 6, 11)]], 1, size)  # a wide object…
    b = rect_masks([[(1, 4, 10, 8)]], 1, size)  # …becomes a tall one
    background = torch.tensor([0.2, -0.4, 0.7])[:, None, None].expand(3, size, size)
    x = background.clone()[None]
    x[:, :, 2:6, 1:11] = torch.tensor([1.0, 1.0, -1.0])[:, None, None]  # the old object's colour (a ghost)
    x[:, :, 1:10, 4:8] = -1.0  # the new object
    y = fill_vacated(x, a, b)
    vacated = (a[0, 0] > 0) & ~(b[0, 0] > 0)
    # a constant background is reproduced exactly, whatever the ring order
    torch.testing.assert_close(y[0][:, vacated], background[:, vacated])
    assert torch.equal(y[0][:, ~vacated], x[0][:, ~vacated])  # the new object and the background: untouched
    # no object colour bleeds in: the fill only reads pixels outside both shapes
    assert y[0][:, vacated].min() > -0.41


def test_fill_vacated_leaves_walled_in_pixels_and_images_without_vacated_area_alone():
    x = torch.rand(1, 3, 8, 8)
    a = rect_masks([[(3, 3, 5, 5)]], 1, 8)
    ring = rect_masks([[(2, 2, 6, 6)]], 1, 8)
    ring[0, 0, 3:5, 3:5] = -1  # the new shape surrounds the vacated pixels
    assert torch.equal(fill_vacated(x, a, ring), x)
    assert torch.equal(fill_vacated(x, a, a), x)


def test_sequential_translate_clean_and_fill_options():
    g = SetGenerator.lite().eval()
    x, m = make_batch(3, batch=2)
    y, b = sequential_translate(
        g, x, m, TranslateOptions(SequentialConfig.inference(ins_per=3))
    )  # one step: later steps would see a different image
    y_clean, b_clean = sequential_translate(
        g, x, m, TranslateOptions(SequentialConfig.inference(ins_per=3), clean_masks=True, fill_background=True)
    )
    # every cleaned mask is a subset of the raw one and holds one 4-connected region
    assert not ((b_clean > 0) & ~(b > 0)).any()
    torch.testing.assert_close(largest_component(b_clean), b_clean)
    # the fill changes only pixels inside an input instance and outside every cleaned generated one
    vacated = ((m > 0).any(1) & ~(b_clean > 0).any(1))[:, None].expand_as(y)
    assert torch.equal(y_clean[~vacated], y[~vacated]) and not torch.equal(y_clean[vacated], y[vacated])


def test_keep_overlap_keeps_each_instance_where_its_old_and_new_shapes_overlap():
    x, translated = torch.zeros(1, 3, 1, 6), torch.ones(1, 3, 1, 6)
    a = -torch.ones(1, 2, 1, 6)
    b = -torch.ones(1, 2, 1, 6)
    a[0, 0, 0, 0:3], b[0, 0, 0, 1:4] = 1.0, 1.0  # instance 0 moves one pixel right: pixels 1-2 overlap
    a[0, 1, 0, 4:6], b[0, 1, 0, 2:3] = 1.0, 1.0  # instance 1's new shape lies under instance 0's old one
    y = keep_overlap(x, translated, a, b)
    # kept: pixels 1-2 (instance 0 on itself); pixel 2 is also in b_1 but kept by slot 0; everything else
    # takes the translation, instance 1's old pixels 4-5 (vacated) included
    assert y[0, 0, 0].tolist() == [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    # slot by slot, not union against union: instance 1's new pixel over instance 0's old one changes
    b_swap = b.clone()
    b_swap[0, 0] = -1.0  # instance 0 vanishes; only instance 1's new pixel 2 lies in an old shape (slot 0's)
    assert keep_overlap(x, translated, a, b_swap)[0, 0, 0].tolist() == [1.0] * 6


def test_sequential_translate_keep_overlap_keeps_the_input_after_every_step():
    g = SetGenerator.lite().eval()
    x, m = make_batch(3, batch=2)
    two_steps = TranslateOptions(SequentialConfig.inference(ins_per=2))  # the second step repaints the first's
    y, b = sequential_translate(g, x, m, two_steps)
    y_keep, b_keep = sequential_translate(g, x, m, replace(two_steps, keep_overlap=True))
    assert torch.equal(b_keep, b)  # the masks are not touched
    overlap = ((m > 0) & (b > 0)).any(1)[:, None].expand_as(y)
    assert overlap.any() and (~overlap).any()
    # the input itself, not the image of the step that translated the instance
    assert torch.equal(y_keep[overlap], x[overlap]) and torch.equal(y_keep[~overlap], y[~overlap])
    # selective translation: only the chosen instance's overlap is kept
    y_one, b_one = sequential_translate(g, x, m, replace(two_steps, keep_overlap=True), instances=[0])
    y_plain, _ = sequential_translate(g, x, m, two_steps, instances=[0])
    own = ((m[:, :1] > 0) & (b_one[:, :1] > 0)).expand_as(y)
    assert torch.equal(y_one[own], x[own]) and torch.equal(y_one[~own], y_plain[~own])


def _lite_generator():
    from instagan_lite.set_networks import SetGenerator

    torch.manual_seed(0)
    return SetGenerator.lite().eval()


@pytest.mark.parametrize(
    ("images", "masks", "error", "message"),
    [
        (
            "uint8",
            "ok",
            TypeError,
            r"images must be float32 .* got torch.uint8 \(uint8 pixels: x.float\(\) / 127.5 - 1\)",
        ),
        ("float64", "ok", TypeError, r"images must be float32 .* got torch.float64"),
        ("ok", "float64", TypeError, r"masks must be float32 .* got torch.float64"),
        ("nan", "ok", ValueError, r"images holds 1 NaN or inf value\(s\)"),
        ("ok", "inf", ValueError, r"masks holds 1 NaN or inf value\(s\)"),
        ("3d", "ok", ValueError, r"images must be 4-D \(B, C, H, W\), got shape \(3, 16, 16\)"),
    ],
)
def test_bad_tensors_are_refused_naming_the_argument(images, masks, error, message):
    x = torch.zeros(1, 3, 16, 16)
    m = torch.full((1, 2, 16, 16), -1.0)
    m[0, 0, 4:8, 4:10] = 1
    x = {"uint8": x.to(torch.uint8), "float64": x.double(), "3d": x[0], "ok": x}.get(images, x.clone())
    if images == "nan":
        x[0, 1, 3, 3] = float("nan")
    m = {"float64": m.double(), "ok": m}.get(masks, m.clone())
    if masks == "inf":
        m[0, 0, 0, 0] = float("inf")
    with pytest.raises(error, match=message):
        sequential_translate(_lite_generator(), x, m)


def test_masks_in_zero_one_are_warned_about():
    from instagan_lite.translate import warn_if_masks_look_unsigned

    signed = torch.full((1, 2, 8, 8), -1.0)
    signed[0, 0, 2:5, 2:5] = 1
    assert not warn_if_masks_look_unsigned(signed)
    unsigned = (signed + 1) / 2  # [0, 1]: the absent slot becomes all 0, the instance keeps a 0 background
    with pytest.warns(UserWarning, match=r"2 mask slot\(s\) have no background pixel"):
        assert warn_if_masks_look_unsigned(unsigned)
    with pytest.warns(UserWarning, match="no background pixel"):
        sequential_translate(_lite_generator(), torch.zeros(1, 3, 8, 8), torch.zeros(1, 1, 8, 8))


@pytest.mark.parametrize("method", ["cyclegan", "cyclegan_seg"])
def test_baselines_name_the_bad_argument_too(method):
    """The baselines' networks see [images; masks] concatenated: the check still names the images."""
    from instagan_lite.model import TranslationModel

    model = TranslationModel.build(method, seed=0)
    x = torch.zeros(1, 3, 16, 16)
    x[0, 0, 0, 0] = float("nan")
    masks = torch.full((1, 1 if method == "cyclegan_seg" else 0, 16, 16), -1.0)
    with pytest.raises(ValueError, match=r"^images holds 1 NaN"):
        model.G_A(x, masks)


def test_masks_outside_minus_one_one_are_refused_with_their_range():
    from instagan_lite.model import TranslationModel
    from instagan_lite.translate import translate

    model = TranslationModel.build("instagan", "lite", seed=0).eval()
    images = torch.zeros(1, 3, 32, 32)
    masks = -torch.ones(1, 2, 32, 32)
    masks[0, 0, 4:12, 4:12] = 255.0  # uint8 values
    with pytest.raises(ValueError, match=r"masks must lie in \[-1, 1\].*\[-1, 255\].*127.5"):
        translate(model, images, masks)


def test_cyclegan_warns_when_given_instance_options_it_cannot_honour():
    from instagan_lite.model import TranslationModel
    from instagan_lite.translate import TranslateOptions, translate

    model = TranslationModel.build("cyclegan", "lite", seed=0).eval()
    images, masks = torch.zeros(1, 3, 32, 32), -torch.ones(1, 2, 32, 32)
    masks[0, 0, 4:12, 4:12] = 1.0
    with pytest.warns(UserWarning, match=r"instances \(selective translation\), fill_background do\(es\) not apply"):
        translate(model, images, masks, options=TranslateOptions(fill_background=True), instances=[0])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        translate(model, images, masks)  # nothing asked that it ignores: no warning
