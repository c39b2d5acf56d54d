"""The CC-NEWS bench's datatrove references run as the issue ran them (reader, extractor, Gopher and C4 filters,
then the 4-stage MinHash dedup), and each does the work it is timed for: a broken reference would make every
ratio in docs/performance.md meaningless."""

import json
import subprocess
import sys
from html import escape

import pytest
from paths import REPO, SEEDS

sys.path.insert(0, str(REPO / "bench"))

import ccnews_bench  # bench/ is on the path above


def _page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f"<html lang='en'><head><title>{escape(title)}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{escape(title)}</h1>{body}</article><footer>Contact us</footer></body></html>").encode()


def _datatrove(root, out, mode):
    run = subprocess.run([sys.executable, str(REPO / "bench" / "ccnews_bench.py"), "_datatrove", str(root), str(out),
                          mode], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1]) | ccnews_bench.datatrove_output(out)


@pytest.mark.slow(minutes=1)
def test_datatrove_references_filter_and_deduplicate(tmp_path):
    story = [line for line in (SEEDS / "002_752f577da2baafb8.txt").read_text().splitlines() if line.strip()]
    other = [line for line in (SEEDS / "000_c8bedf2c6be52e1e.txt").read_text().replace(".", ".\n").splitlines()
             if len(line.strip()) > 40]
    pages = [_page("Trade talks", story), _page("Trade talks, again", story),  # the same story twice: one is a dup
             _page("Tariffs", other), _page("Menu", ["Home", "Sport", "Weather"])]  # too short for Gopher and C4
    root = tmp_path / "tree"
    facts = ccnews_bench.write_day(root, pages, per_archive=2)
    assert facts == {"pages": 4, "archives": 2, "bytes": facts["bytes"]}

    plain = _datatrove(root, tmp_path / "plain", "plain")
    filtered = _datatrove(root, tmp_path / "filters", "filters")
    deduplicated = _datatrove(root, tmp_path / "minhash", "minhash")
    assert plain == {"mode": "plain", "written": 4}
    assert filtered == {"mode": "filters", "written": 3}  # the menu page is dropped by the filters
    assert deduplicated == {"mode": "minhash", "written": 3, "deduplicated": 2}  # and one copy of the story
