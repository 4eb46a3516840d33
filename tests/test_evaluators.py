"""Learned evaluators: KID by hand and on known sets, crops, the classifiers' verdicts, caching."""

from __future__ import annotations

import pytest
import torch

from instagan_lite.__main__ import main
from instagan_lite.data.sources import shapes_test_batch
from instagan_lite.evaluate import format_table, reference_rows
from instagan_lite.evaluators import (
    EvaluatorConfig,
    classification_score,
    crop_shape_success,
    instance_crops,
    kid,
    load_evaluators,
    train_evaluators,
)

# Short training: still ≥ 95 % on held-out real scenes, a few seconds on one thread.
# 250 steps: at 150 the domain judge scored real targets 0.89 on one machine and > 0.9 on another
SMALL = EvaluatorConfig(images_per_domain=300, steps=250)


@pytest.fixture(scope="module")
def evaluators():
    return train_evaluators(SMALL)


@pytest.fixture(scope="module")
def test_sets():
    return {d: shapes_test_batch(d, 32, 100) for d in "AB"}


def test_kid_by_hand():
    # k(a, b) = (a·b + 1)³ with D = 1. Within X: k(0, 1) = 1; within Y: k(2, 3) = 343;
    # across: k(0,2) = k(0,3) = 1, k(1,2) = 27, k(1,3) = 64 -> mean 23.25.  MMD² = 1 + 343 − 2·23.25.
    mean, std = kid(torch.tensor([[0.0], [1.0]]), torch.tensor([[2.0], [3.0]]), subsets=3, subset_size=2)
    assert mean == pytest.approx(297.5) and std == pytest.approx(0.0)


def test_kid_is_zero_for_one_distribution_and_positive_for_two():
    g = torch.Generator().manual_seed(0)
    x, x2, y = torch.randn(300, 8, generator=g), torch.randn(300, 8, generator=g), torch.randn(300, 8, generator=g)
    same, _ = kid(x, x)  # slightly negative: the unbiased estimator with X = Y
    twin, _ = kid(x, x2)
    shifted, _ = kid(x, y + 1.0)
    nudged, nudged_std = kid(x, y + 0.3)
    assert abs(same) < 0.01 * shifted and abs(twin) < 0.01 * shifted
    assert nudged > 3 * nudged_std > 0


def test_kid_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"expected features \(N, D\) and \(M, D\)"):
        kid(torch.zeros(4, 3), torch.zeros(4, 5))
    with pytest.raises(ValueError, match="at least 2 samples"):
        kid(torch.zeros(1, 3), torch.zeros(4, 3))


def test_instance_crops_are_centred_on_centroids_and_replicate_edges():
    images = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    masks = -torch.ones(2, 3, 8, 8)
    masks[0, 0, 3:6, 3:6] = 1  # centroid (4, 4)
    masks[1, 1, 0:1, 0:1] = 1  # centroid (0, 0): the crop runs off the top-left corner
    crops, owners = instance_crops(images, masks, 4)
    assert crops.shape == (2, 3, 4, 4) and owners.tolist() == [0, 1]
    torch.testing.assert_close(crops[0], images[0, :, 2:6, 2:6])  # rows/cols 4-2 .. 4+1
    torch.testing.assert_close(crops[1, :, 2:, 2:], images[1, :, 0:2, 0:2])
    torch.testing.assert_close(crops[1, :, 0, 2:], images[1, :, 0, 0:2])  # replicated top row
    empty, none = instance_crops(images, -torch.ones(2, 3, 8, 8), 4)
    assert empty.shape == (0, 3, 4, 4) and none.numel() == 0
    with pytest.raises(ValueError, match="expected images"):
        instance_crops(images[0], masks, 4)


def test_evaluators_learn_the_domains(evaluators, test_sets):
    assert evaluators.domain_accuracy > 0.95 and evaluators.crop_accuracy > 0.95
    a, b = test_sets["A"], test_sets["B"]
    # real target images are called target, the untranslated input is not
    assert classification_score(evaluators.domain, a["oracle"], "B") > 0.9
    assert classification_score(evaluators.domain, a["images"], "B") < 0.05
    assert crop_shape_success(evaluators.crop, a["oracle"], a["masks"], "B", 16) > 0.9
    assert crop_shape_success(evaluators.crop, b["images"], b["masks"], "B", 16) > 0.9
    assert crop_shape_success(evaluators.crop, a["images"], a["masks"], "B", 16) < 0.1
    assert crop_shape_success(evaluators.crop, a["images"], -torch.ones_like(a["masks"]), "B", 16) is None


def test_kid_on_the_domain_features_separates_the_domains(evaluators, test_sets):
    with torch.no_grad():
        fa = evaluators.domain.features(test_sets["A"]["images"])
        fa2 = evaluators.domain.features(shapes_test_batch("A", 32, 100, seed=1)["images"])
        fb = evaluators.domain.features(test_sets["B"]["images"])
    across, _ = kid(fa, fb)
    assert across > 0.1
    assert abs(kid(fa, fa)[0]) < 0.05 * across and abs(kid(fa, fa2)[0]) < 0.05 * across


def test_evaluate_model_adds_learned_scores_to_the_reference_rows(evaluators):
    rows = reference_rows(evaluators=evaluators, n=40)
    identity, oracle = rows["identity"]["AtoB"], rows["oracle"]["AtoB"]
    assert identity["classification_score"] < 0.1 < 0.9 < oracle["classification_score"]
    assert identity["kid"] > 10 * abs(oracle["kid"])
    assert identity["crop_shape_success"] < 0.1 < 0.9 < oracle["crop_shape_success"]
    table = format_table({"identity": identity, "oracle": oracle})
    assert "kid_x100" in table.splitlines()[0] and f"{100 * identity['kid']:.3f}" in table
    # the image's shape leads, the masks' next to it, then the picture's regions, background and colour
    header = [c.strip() for c in table.splitlines()[0].split("|")[1:-1]]
    assert header[:8] == [
        "system",
        "crop_shape_success",
        "shape_success",
        "vacated_vs_identity",
        "grown_vs_identity",
        "objects_vs_identity",
        "background_l1",
        "colour_error",
    ]
    identity_cells = table.splitlines()[2].split("|")[1:-1]
    assert [c.strip() for c in identity_cells[3:6]] == ["1.000", "1.000", "1.000"]


def test_load_evaluators_caches_and_retrains_a_broken_cache(tmp_path, monkeypatch):
    config = EvaluatorConfig(images_per_domain=20, steps=2)
    first = load_evaluators(config, tmp_path)
    files = list(tmp_path.glob("evaluators_*.pt"))
    assert len(files) == 1
    monkeypatch.setattr("instagan_lite.evaluators.train_evaluators", lambda c: pytest.fail("retrained"))
    cached = load_evaluators(config, tmp_path)
    for p, q in zip(first.domain.state_dict().values(), cached.domain.state_dict().values()):
        torch.testing.assert_close(p, q)
    assert cached.crop_accuracy == first.crop_accuracy
    monkeypatch.undo()
    files[0].write_bytes(b"not a checkpoint")
    again = load_evaluators(config, tmp_path)  # a broken cache is retrained, not an error
    assert again.domain_accuracy == first.domain_accuracy


def test_cli_evaluate_prints_learned_columns(evaluators, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("instagan_lite.evaluators.load_evaluators", lambda config: evaluators)
    main(["evaluate", "--n", "8", "--out", str(tmp_path / "r.json")])
    text = capsys.readouterr().out
    assert "domain classifier" in text and text.count("kid_x100") == 2


def test_kid_from_few_samples_warns():
    from instagan_lite.evaluators import kid

    features = torch.randn(10, 8, generator=torch.Generator().manual_seed(0))
    with pytest.warns(UserWarning, match="KID from 10 samples per set is unreliable"):
        kid(features, features.flip(0))
