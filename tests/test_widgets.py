"""Widget factories and the pure functions behind them (set a control, assert on what comes back)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from instagan_lite import SetGenerator
from instagan_lite.data.dataset import ShapesDataset
from instagan_lite.translate import TranslateOptions
from instagan_lite.viz import mask_overlay, to_numpy_image
from instagan_lite.widgets import (
    box_mask,
    context_terms,
    context_widget,
    loss_curve_widget,
    loss_curves,
    mask_explorer,
    selective_translation,
    selective_translation_widget,
    set_feature_view,
    set_feature_widget,
)

pytest.importorskip("ipywidgets")


def _controls(widget):
    """Every control inside a widget tree."""
    out, stack = [], [widget]
    while stack:
        w = stack.pop()
        out.append(w)
        stack.extend(getattr(w, "children", ()))
    return out


def _control(widget, description: str):
    return next(w for w in _controls(widget) if getattr(w, "description", None) == description)


def _picture(widget) -> np.ndarray:
    """The widget's current figure, decoded: (H, W, 4) uint8. Every widget draws into one Image widget."""
    import io

    from PIL import Image

    images = [w for w in _controls(widget) if type(w).__name__ == "Image"]
    assert len(images) == 1, "a widget shows its figure in exactly one Image widget"
    return np.asarray(Image.open(io.BytesIO(images[0].value)).convert("RGBA"))


def _assert_redrawn(before: np.ndarray, after: np.ndarray) -> None:
    """A redraw that came back whole: opaque, not one colour, and different from before."""
    assert after.shape[0] > 50 and after.shape[1] > 50
    assert after[..., 3].min() == 255, "transparent pixels in the figure"
    assert after[..., :3].std() > 3, "a blank figure"
    assert before.shape != after.shape or not np.array_equal(before, after), "the figure did not change"


def test_no_widget_uses_pyplot():
    import inspect

    import instagan_lite.widgets as module

    source = inspect.getsource(module)
    for pattern in ("import matplotlib.pyplot", "from matplotlib import pyplot", "plt.", "pyplot."):
        assert pattern not in source, pattern


def test_race_check_rewrites_every_widget_to_the_pyplot_pattern():
    """scripts/check_browser_test_catches_race.py must still find what it reverts: one Output capture and
    one plt.show() per widget callback, no private Figure left, and the result compiles."""
    import importlib.util
    import inspect
    from pathlib import Path

    import instagan_lite.widgets as module

    script = Path(__file__).resolve().parent.parent / "scripts" / "check_browser_test_catches_race.py"
    spec = importlib.util.spec_from_file_location("race_check", script)
    race_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(race_check)
    source = inspect.getsource(module)
    reverted = race_check.pyplot_pattern(source)
    n_draws = source.count("def draw(*_):")
    assert n_draws == 5
    assert reverted.count(".capture(clear_output=True)") == n_draws
    assert reverted.count("plt.show()") == n_draws
    assert reverted.count("figure_png(") == 1  # its definition only: no callback renders to PNG any more
    assert "Figure(" not in reverted and "widgets.Image(" not in reverted
    compile(reverted, "widgets_pyplot.py", "exec")


@pytest.fixture
def item():
    return ShapesDataset("A", "test", size=32, length=4, seed=0)[1]


def test_mask_overlay_hides_toggled_off_instances(item):
    shown = mask_overlay(item["image"], item["masks"], 1.0, [True, False, False, False])
    plain = to_numpy_image(item["image"])
    on0, on1 = (item["masks"][0] > 0).numpy(), (item["masks"][1] > 0).numpy()
    assert np.allclose(shown[on1 & ~on0], plain[on1 & ~on0])  # instance 1 hidden: the image shows through
    assert not np.allclose(shown[on0], plain[on0])
    with pytest.raises(ValueError, match="alpha"):
        mask_overlay(item["image"], item["masks"], 1.5)


def test_mask_explorer_controls_redraw_the_figure(item):
    widget = mask_explorer(ShapesDataset("A", "test", size=32, length=4, seed=0))
    before = _picture(widget)
    _control(widget, "image").value = 3
    _assert_redrawn(before, after := _picture(widget))
    _control(widget, "instance 0").value = False
    _assert_redrawn(after, _picture(widget))
    assert _control(widget, "image").max == 3


def test_box_mask_and_context_terms(item):
    box = box_mask(32, 16, 16, 10, 4)
    assert int((box > 0).sum()) == 10 * 4
    image = item["image"]
    repainted = image.clone()
    repainted[:, 6:26, 12:20] = 0.5
    on = context_terms(image, repainted, item["masks"][:1], box_mask(32, 16, 16, 20, 8)[None])
    off = context_terms(image, repainted, item["masks"][:1], box_mask(32, 4, 4, 4, 4)[None])
    assert on["l_ctx"] < off["l_ctx"] and on["weighted"] == pytest.approx(10 * on["l_ctx"])
    assert on["w"].shape == (32, 32) and on["w"].min() == 0 and on["w"].max() == 1


def test_context_widget_sliders_redraw_the_figure(item):
    repainted = item["image"].clone()
    repainted[:, 6:26, 12:20] = 0.5
    widget = context_widget(item["image"], repainted, item["masks"][0])
    before = _picture(widget)
    _control(widget, "cx").value = 5.0
    _assert_redrawn(before, after := _picture(widget))
    _control(widget, "h").value = 30.0
    _assert_redrawn(after, _picture(widget))


def test_set_feature_view_follows_the_chosen_instances(item):
    g = SetGenerator.lite().eval()
    none = set_feature_view(g, item["image"], item["masks"], [False] * 4)
    two = set_feature_view(g, item["image"], item["masks"], [True, True, False, False])
    assert none["n"] == 0 and np.all(none["set_norm"] == 0)
    assert two["n"] == 2 and two["set_norm"].max() > 0
    assert torch.equal(two["masks"][2:], -torch.ones(2, 32, 32))
    two_of_four = torch.cat([item["masks"][:2], -torch.ones(2, 32, 32)])  # fewer instances than slots
    widget = set_feature_widget(g, item["image"], two_of_four)
    before = _picture(widget)
    _control(widget, "instance 0").value = False
    _assert_redrawn(before, _picture(widget))


def test_selective_translation_changes_only_the_chosen_instance(item):
    g = SetGenerator.lite().eval()
    result = selective_translation(g, item["image"], item["masks"], [False, True, False, False])
    assert torch.equal(result["masks"][0], item["masks"][0])
    assert not torch.equal(result["masks"][1], item["masks"][1])
    region = ((item["masks"][1] > 0) | (result["masks"][1] > 0)).numpy()
    assert np.allclose(result["image"][~region], to_numpy_image(item["image"])[~region])
    # the overlay tints the chosen instances only: with none chosen it is the input, other instances untinted
    nothing = selective_translation(g, item["image"], item["masks"], [False] * 4)
    assert np.allclose(nothing["overlay"], to_numpy_image(item["image"]), atol=1e-6)
    widget = selective_translation_widget(g, item["image"], torch.cat([item["masks"][:2], -torch.ones(2, 32, 32)]))
    before = _picture(widget)
    _control(widget, "instance 1").value = False
    _assert_redrawn(before, _picture(widget))


def test_selective_translation_uses_the_options_it_is_given(item):
    class TwoBlobs(torch.nn.Module):  # returns the image unchanged and a mask of two separate blobs
        def forward(self, x, a):
            b = -torch.ones_like(a)
            b[:, :, 2:10, 2:10] = 1.0  # 64 pixels
            b[:, :, 20:23, 20:23] = 1.0  # 9 pixels
            return x, b

    chosen = [True, False, False, False]
    default = selective_translation(TwoBlobs(), item["image"], item["masks"], chosen)
    cleaned = selective_translation(
        TwoBlobs(), item["image"], item["masks"], chosen, options=TranslateOptions(clean_masks=True)
    )
    assert int((default["masks"][0] > 0).sum()) == 64 + 9
    assert int((cleaned["masks"][0] > 0).sum()) == 64  # only the largest component kept


def test_loss_curves_average_per_iteration_and_smooth():
    log = {"iteration": np.array([1, 1, 2, 2, 3, 3]), "G": np.array([1.0, 3.0, 4.0, 6.0, 8.0, np.nan])}
    curves = loss_curves(log, ["G"], smoothing=1)
    assert curves["iteration"].tolist() == [1, 2, 3] and curves["G"].tolist() == [2.0, 5.0, 8.0]
    assert loss_curves(log, ["G"], smoothing=2)["G"].tolist() == [2.0, 3.5, 6.5]
    with pytest.raises(KeyError, match="unknown loss terms"):
        loss_curves(log, ["nope"])
    widget = loss_curve_widget({**log, "D_A": log["G"] / 2})
    before = _picture(widget)
    _control(widget, "smoothing").value = 3
    _assert_redrawn(before, after := _picture(widget))
    _control(widget, "terms").value = ("G", "D_A")
    _assert_redrawn(after, _picture(widget))


def test_plain_images_figure_puts_each_row_of_images_in_its_own_row_of_axes():
    from instagan_lite.viz import plain_images_figure

    black, white = -torch.ones(3, 3, 8, 8), torch.ones(3, 3, 8, 8)
    fig = plain_images_figure({"input (A)": black, "a model": white})
    axes = np.array(fig.axes).reshape(2, 3)
    assert [a.get_ylabel() for a in axes[:, 0]] == ["input\n(A)", "a model"]
    for row, expected in ((0, 0.0), (1, 1.0)):
        for ax in axes[row]:
            shown = ax.get_images()[0].get_array()
            assert shown.shape == (8, 8, 3) and np.allclose(shown, expected)  # [-1, 1] drawn as [0, 1]
    with pytest.raises(ValueError, match="same number of images"):
        plain_images_figure({"input": black, "fewer": white[:2]})


def test_row_label_breaks_at_the_label_parts_and_wraps_only_lines_too_long_for_a_row():
    from instagan_lite.viz import row_label

    assert row_label("CycleGAN + Seg (slow D, 16×16)") == "CycleGAN\n+ Seg\n(slow D, 16×16)"
    assert row_label("the picture model: InstaGAN") == "the picture model:\nInstaGAN"
    # the ablation's row whose second line ran past its row's height before it was wrapped
    wrapped = row_label("the picture model + the 15-minute model's two clean-ups")
    assert wrapped == "the picture model\n+ the 15-minute model's\ntwo clean-ups"
    assert max(len(line) for line in wrapped.split("\n")) <= 24
    assert row_label("abcdefghij" * 3) == "abcdefghij" * 3  # a word is never cut
    assert row_label("x + both inference clean-ups") == "x\n+ both inference\nclean-ups"  # nor at its hyphen


def test_compare_translations_figure_rows_are_input_oracle_then_each_system():
    from instagan_lite import TranslationModel
    from instagan_lite.data.sources import shapes_test_batch
    from instagan_lite.viz import compare_translations_figure

    untrained = TranslationModel.build("instagan", "lite", seed=0).eval()  # residual output: starts as the identity
    fig = compare_translations_figure({"untrained": (untrained, None)}, "BtoA", n=3, size=16)
    axes = np.array(fig.axes).reshape(3, 3)
    assert [a.get_ylabel() for a in axes[:, 0]] == ["input\n(B)", "oracle\n(A)", "untrained"]
    batch = shapes_test_batch("B", 16, 3)
    for c in range(3):
        drawn = [axes[r, c].get_images()[0].get_array() for r in range(3)]
        assert np.allclose(drawn[0], to_numpy_image(batch["images"][c]))
        assert np.allclose(drawn[1], to_numpy_image(batch["oracle"][c]))
        assert np.allclose(drawn[2], drawn[0], atol=1e-6)  # the identity's translation is its input
    with pytest.raises(ValueError, match="direction must be"):
        compare_translations_figure({}, "AB")


def test_compare_translations_figure_of_a_dataset_folder_shows_its_scenes_and_oracle_only_if_it_has_one(tmp_path):
    import shutil

    from instagan_lite import TranslationModel
    from instagan_lite.data.dataset import generate_shapes_dataset
    from instagan_lite.data.sources import folder_test_sets, shapes_test_batch
    from instagan_lite.viz import compare_translations_figure

    root = generate_shapes_dataset(
        tmp_path / "d2t", 16, n_train=2, n_test=3, progress=False, shapes=("disc", "triangle"), n_evaluator=0
    )
    untrained = TranslationModel.build("instagan", "lite", seed=0).eval()
    fig = compare_translations_figure({"untrained": (untrained, None)}, "AtoB", n=2, data=root)
    axes = np.array(fig.axes).reshape(3, 2)
    assert [a.get_ylabel() for a in axes[:, 0]] == ["input\n(A)", "oracle\n(B)", "untrained"]
    scenes = folder_test_sets(root, 2)["AtoB"]
    for c in range(2):  # the folder's discs, not the built-in ellipses
        assert np.allclose(axes[0, c].get_images()[0].get_array(), to_numpy_image(scenes.images[c]))
        assert np.allclose(axes[1, c].get_images()[0].get_array(), to_numpy_image(scenes.oracle[c]))
    assert not torch.allclose(scenes.images[0], shapes_test_batch("A", 16, 1)["images"][0])
    for d in "AB":
        shutil.rmtree(root / f"test{d}_oracle")
        shutil.rmtree(root / f"test{d}_oracle_seg")
    fig = compare_translations_figure({"untrained": (untrained, None)}, "BtoA", n=2, data=root)
    assert [a.get_ylabel() for a in np.array(fig.axes).reshape(2, 2)[:, 0]] == ["input\n(B)", "untrained"]
