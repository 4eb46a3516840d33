"""data_prep.coco_download against a local stand-in for COCO's server (127.0.0.1, no network): the
annotations archive and only the chosen images are fetched and converted; a missing file, a truncated
image, an interrupted transfer (then resumed with an HTTP Range request), a broken archive and an unknown
category each give a clear error."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data_prep import coco_download
from data_prep.common import DatasetError

RED, GREEN = (220, 30, 30), (30, 200, 40)


class FixtureServer(ThreadingHTTPServer):
    """Serves ``root`` with Range support. ``cut[path] = n`` sends the full Content-Length but only the
    first n bytes of that file once, then drops the connection (an interrupted transfer)."""

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.root, self.cut, self.requests = root, {}, []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        server: FixtureServer = self.server  # type: ignore[assignment]
        path = server.root / self.path.lstrip("/")
        server.requests.append((self.path, self.headers.get("Range")))
        if not path.is_file():
            self.send_error(404, "Not Found")
            return
        data = path.read_bytes()
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                self.send_error(416, "Range Not Satisfiable")
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = server.cut.pop(self.path, None)
        self.wfile.write(body[:cut] if cut is not None else body)
        if cut is not None:
            self.wfile.flush()
            self.close_connection = True


def _jpeg(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def server(tmp_path):
    """COCO in miniature: val2017 with 4 images (1, 2: sheep; 3: a giraffe; 4: only a cow), the
    annotations archive, served on 127.0.0.1."""
    root = tmp_path / "server"
    (root / "val2017").mkdir(parents=True)
    (root / "annotations").mkdir()
    h, w = 40, 60
    objects = {
        1: [(1, (20, 8, 36, 24))],
        2: [(1, (10, 10, 30, 30))],
        3: [(2, (22, 4, 30, 36))],
        4: [(3, (5, 5, 15, 15))],
    }
    data = {
        "images": [],
        "annotations": [],
        "categories": [{"id": 1, "name": "sheep"}, {"id": 2, "name": "giraffe"}, {"id": 3, "name": "cow"}],
    }
    for img_id, objs in objects.items():
        pixels = np.full((h, w, 3), 90, np.uint8)
        for cat, (x0, y0, x1, y1) in objs:
            pixels[y0:y1, x0:x1] = RED if cat == 1 else GREEN
            polygon = [[x0, y0, x1, y0, x1, y1, x0, y1]]
            data["annotations"].append(
                {"id": len(data["annotations"]) + 1, "image_id": img_id, "category_id": cat, "segmentation": polygon,
                 "iscrowd": 0, "area": float((x1 - x0) * (y1 - y0)), "bbox": [x0, y0, x1 - x0, y1 - y0]}
            )  # fmt: skip
        name = f"{img_id:012d}.jpg"
        (root / "val2017" / name).write_bytes(_jpeg(pixels))
        url = f"{coco_download.COCO_URL}/val2017/{name}"
        data["images"].append({"id": img_id, "file_name": name, "height": h, "width": w, "coco_url": url})
    with zipfile.ZipFile(root / "annotations" / "annotations_trainval2017.zip", "w") as zf:
        zf.writestr("annotations/instances_val2017.json", json.dumps(data))
    httpd = FixtureServer(root)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def run(server, tmp_path, *extra: str) -> list[str]:
    return [
        "--category-a", "sheep", "--category-b", "giraffe", "--split", "val2017", "--max-images", "1",
        "--phase", "test", "--size", "32", "--base-url", server.url,
        "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out"), *extra,
    ]  # fmt: skip


def test_fetches_the_archive_and_only_the_chosen_images_then_converts(server, tmp_path, capsys):
    coco_download.main(run(server, tmp_path))
    out = capsys.readouterr().out
    assert "wrote 1 images to" in out and "testA" in out
    fetched = sorted(p for p, _ in server.requests)
    # the archive once, the first sheep image (max 1 per category) and the giraffe; never image 2 or the cow
    assert fetched == [
        "/annotations/annotations_trainval2017.zip",
        "/val2017/000000000001.jpg",
        "/val2017/000000000003.jpg",
    ]
    assert sorted(p.name for p in (tmp_path / "out" / "testA_seg").iterdir()) == ["000000_0.png"]
    assert sorted(p.name for p in (tmp_path / "out" / "testB").iterdir()) == ["000000.png"]
    coco_download.main(run(server, tmp_path, "--overwrite"))  # a second run fetches nothing again
    assert len(server.requests) == 3


def test_an_interrupted_transfer_resumes_with_a_range_request(server, tmp_path):
    image = "/val2017/000000000001.jpg"
    original = (server.root / image.lstrip("/")).read_bytes()
    server.cut[image] = 700
    with pytest.raises(SystemExit) as stopped:
        coco_download.main(run(server, tmp_path))
    assert stopped.value.code == 2
    part = tmp_path / "cache" / "val2017" / "000000000001.jpg.part"
    assert part.stat().st_size == 700
    coco_download.main(run(server, tmp_path))
    assert (image, "bytes=700-") in server.requests
    assert (tmp_path / "cache" / "val2017" / "000000000001.jpg").read_bytes() == original
    assert not part.exists()


def test_the_interruption_message_names_the_file_and_the_resume(server, tmp_path, capsys):
    server.cut["/annotations/annotations_trainval2017.zip"] = 100
    with pytest.raises(SystemExit):
        coco_download.main(run(server, tmp_path))
    err = capsys.readouterr().err
    assert "annotations_trainval2017.zip" in err and "run again to resume" in err


def test_a_missing_file_is_an_error_naming_its_url(server, tmp_path):
    (server.root / "val2017" / "000000000003.jpg").unlink()
    with pytest.raises(coco_download.DownloadError, match=r"val2017/000000000003.jpg: HTTP 404"):
        coco_download.fetch_pair("sheep", "giraffe", "val2017", 1, tmp_path / "cache", server.url, progress=False)


def test_a_truncated_image_is_refused_and_removed_so_a_rerun_fetches_it_anew(server, tmp_path):
    path = server.root / "val2017" / "000000000003.jpg"
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # the server itself holds a cut-off JPEG
    with pytest.raises(coco_download.DownloadError, match=r"000000000003\.jpg: not a readable image"):
        coco_download.fetch_pair("sheep", "giraffe", "val2017", 1, tmp_path / "cache", server.url, progress=False)
    assert not (tmp_path / "cache" / "val2017" / "000000000003.jpg").exists()
    path.write_bytes(good)
    coco_download.fetch_pair("sheep", "giraffe", "val2017", 1, tmp_path / "cache", server.url, progress=False)
    assert (tmp_path / "cache" / "val2017" / "000000000003.jpg").read_bytes() == good


def test_a_broken_archive_is_an_error(server, tmp_path):
    (server.root / "annotations" / "annotations_trainval2017.zip").write_bytes(b"not a zip")
    with pytest.raises(coco_download.DownloadError, match="not a zip archive"):
        coco_download.fetch_pair("sheep", "giraffe", "val2017", 1, tmp_path / "cache", server.url, progress=False)


def test_an_unknown_category_lists_the_valid_ones(server, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        coco_download.main([*run(server, tmp_path)[:1], "zebra", *run(server, tmp_path)[2:]])
    assert stopped.value.code == 2
    assert "error: no COCO category 'zebra'; the 3 categories are: cow, giraffe, sheep" in capsys.readouterr().err
    with pytest.raises(DatasetError, match="categories are: cow, giraffe, sheep"):
        coco_download.fetch_pair("sheep", "zebra", "val2017", 1, tmp_path / "cache", server.url, progress=False)


def test_no_server_is_a_clear_error(tmp_path):
    with pytest.raises(coco_download.DownloadError, match="cannot connect"):
        coco_download.download("http://127.0.0.1:9/x.zip", tmp_path / "x.zip", progress=False, timeout=5)
