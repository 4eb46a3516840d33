"""Your own data end to end: evaluate any dataset folder, masks from a model, and the errors users meet."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from data_prep import coco
from instagan_lite.data.dataset import generate_shapes_dataset
from instagan_lite.data.sources import DataConfig, folder_test_sets, shapes_test_sets
from instagan_lite.evaluate import benchmark
from instagan_lite.mask_predictor import (
    EDGE,
    INTERIOR,
    TrainedMaskPredictor,
    check_domain,
    instance_targets,
    mask_quality,
    masks_from_logits,
    train_mask_predictor,
)
from instagan_lite.pretrained import load_pretrained
from tests.helpers import rect_masks
from tests.test_cli import run_cli, write_example
from tests.test_data_prep import coco_fixture  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def shapes_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("data") / "shapes"
    return generate_shapes_dataset(root, size=32, n_train=8, n_test=12, n_evaluator=0, progress=False)


def test_the_shapes_benchmark_written_as_a_folder_scores_as_the_built_in_one(shapes_folder):
    shipped = load_pretrained("instagan_lite_shapes32")
    system = {"m": (shipped.model, shipped.options)}
    from_folder = benchmark(system, folder_test_sets(shapes_folder))
    from_memory = benchmark(system, shapes_test_sets(32, 12))
    assert from_folder == from_memory


def test_evaluate_data_on_a_coco_folder_reports_learned_scores_without_ground_truth(coco_fixture, tmp_path, capsys):  # noqa: F811
    annotations, images = coco_fixture
    out = tmp_path / "sheep2giraffe"
    for phase in ("train", "val"):  # the fixture's images in both phases (a real dataset has distinct ones)
        coco.main(
            [
                "--annotations",
                str(annotations),
                "--images",
                str(images),
                "--category-a",
                "sheep",
                "--category-b",
                "giraffe",
                "--phase",
                phase,
                "--size",
                "32",
                "--out",
                str(out),
            ]
        )
    assert (out / "valA_seg").is_dir() and (out / "trainB").is_dir()
    args = ["evaluate", "--pretrained", "instagan_lite_shapes32", "--data", str(out), "--out", str(tmp_path / "m.json")]
    code, text, err = run_cli(args, capsys)
    assert code == 0, err
    tables = json.loads((tmp_path / "m.json").read_text())
    row = tables["AtoB"]["instagan_lite_shapes32"]
    assert row["classification_score"] is not None and row["kid"] is not None  # learned: trained on the folder
    assert row["oracle_l1"] is None and row["shape_success"] is None  # no oracle, no shape judge: not faked
    assert row["background_l1_predicted"] is not None  # needs no oracle
    assert "| identity |" in text and "oracle (real target)" in text


def test_a_folder_whose_domains_differ_in_size_is_a_clear_error(shapes_folder, tmp_path, capsys):
    root = tmp_path / "mixed"
    shutil.copytree(shapes_folder, root)
    for path in (root / "testB").iterdir():
        Image.open(path).resize((48, 48)).save(path)
    for path in (root / "testB_seg").iterdir():
        Image.open(path).resize((48, 48)).save(path)
    code, _, err = run_cli(["evaluate", "--data", str(root), "--no-learned"], capsys)
    assert code == 2 and "domain A images are (32, 32) but domain B images are (48, 48)" in err


def test_masks_named_for_images_that_do_not_exist_and_no_test_split_are_clear_errors(shapes_folder, tmp_path, capsys):
    root = tmp_path / "orphans"
    shutil.copytree(shapes_folder, root)
    shutil.copy(root / "testA_seg" / "00000_0.png", root / "testA_seg" / "99999_0.png")
    code, _, err = run_cli(["evaluate", "--data", str(root), "--no-learned"], capsys)
    assert code == 2 and "99999_0.png: mask without an image" in err
    for folder in root.glob("test*"):
        shutil.rmtree(folder)
    code, _, err = run_cli(["evaluate", "--data", str(root), "--no-learned"], capsys)
    assert code == 2 and "no test split" in err


def test_instance_targets_and_masks_from_logits_by_hand():
    masks = rect_masks([[(1, 1, 5, 5), (1, 5, 5, 8)]], 2, 8)  # two touching boxes
    classes = instance_targets(masks)[0]
    assert classes[3, 2] == INTERIOR and classes[1, 1] == EDGE and classes[0, 0] == 0
    assert classes[2, 4] == EDGE and classes[2, 5] == EDGE  # where the two instances touch
    logits = torch.nn.functional.one_hot(classes, 3).permute(2, 0, 1)[None].float()
    recovered = masks_from_logits(logits, max_instances=3, min_area=1)
    assert recovered.shape == (1, 3, 8, 8) and bool((recovered[0, 2] == -1).all())  # two instances found
    quality = mask_quality(recovered, masks)
    assert quality["found"] == 1.0 and quality["merged"] == 0.0 and quality["iou"] > 0.8


def test_mask_quality_counts_missed_split_and_merged():
    true = rect_masks([[(0, 0, 4, 8), (4, 0, 8, 8)]], 2, 8)
    merged = rect_masks([[(0, 0, 8, 8)]], 1, 8)
    assert mask_quality(merged, true)["merged"] == 1.0
    split = rect_masks([[(0, 0, 4, 4), (0, 4, 4, 8)]], 2, 8)
    q = mask_quality(split, true)
    assert q["split"] == 0.5 and q["missed"] == 0.5  # instance 0 split in two, instance 1 not touched


def test_train_masks_then_translate_a_photo_without_masks(tmp_path, capsys):
    predictor_file = tmp_path / "masks.pt"
    code, text, err = run_cli(["train-masks", "--steps", "30", "--out", str(predictor_file)], capsys)
    assert code == 0, err
    assert "domain A: instance IoU" in text and predictor_file.exists()
    write_example(tmp_path)
    out = tmp_path / "out"
    args = [
        "translate",
        "--pretrained",
        "instagan_lite_shapes32",
        "--image",
        str(tmp_path / "x.png"),
        "--out",
        str(out),
    ]
    code, text, err = run_cli([*args, "--predict-masks", str(predictor_file)], capsys)
    assert code == 0, err
    assert (out / "x.png").exists() and "masks from the predictor" in text
    # --masks overrides a predictor
    code, text, err = run_cli([*args, "--predict-masks", "--masks", str(tmp_path / "x_0.png")], capsys)
    assert code == 0 and "masks from the predictor" not in text


def test_a_predictor_of_another_domain_is_refused():
    predictor = TrainedMaskPredictor(net=None, source="shapes", size=32, domains=("A",))
    check_domain(predictor, "shapes", "A")
    with pytest.raises(ValueError, match="trained on domain\\(s\\) A of shapes; it cannot be trusted on domain B"):
        check_domain(predictor, "shapes", "B")
    with pytest.raises(ValueError, match="of datasets/sheep"):
        check_domain(predictor, "datasets/sheep", "A")


def test_a_tiny_dataset_trains_a_predictor_without_hanging(shapes_folder):
    predictor = train_mask_predictor(DataConfig(source=str(shapes_folder), size=32), steps=2, progress=False)
    assert set(predictor.quality) == {"A", "B"}
    assert np.isfinite(predictor.quality["A"]["iou"])
