"""The Celery bench's day of CC-NEWS archives (bench/celery_scale.py): every record of the day, in archives of
the asked size, listed in the month's listing and named by their start time on that day. The stack runs
themselves take minutes (``make bench``); tests/stack/ covers the stack."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ccnews_tree import PREFIX
from paths import REPO, SHARED
from warcio.archiveiterator import ArchiveIterator

BUILD = ("import json, sys; sys.path.insert(0, 'bench'); import celery_scale; "
         "root, facts = celery_scale.day_tree(25, 10); print(json.dumps([str(root), facts]))")


@pytest.mark.skipif(not (SHARED / "benchmarks").is_dir(), reason="needs ../shared/benchmarks (page shapes)")
def test_the_day_holds_every_record_in_archives_of_the_asked_size(tmp_path):
    env = {**os.environ, "NEWSFLOW_BENCH_DIR": str(tmp_path)}
    built = subprocess.run([sys.executable, "-c", BUILD], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    where, facts = json.loads(built.stdout.splitlines()[-1])
    assert facts == {"records": 25, "archives": 3, "bytes": facts["bytes"]}
    root = Path(where)
    assert root.parent == tmp_path  # built under the bench folder it was given
    listing = gzip.decompress((root / PREFIX / "2024" / "05" / "warc.paths.gz").read_bytes()).decode().split()
    assert [name.rsplit("/", 1)[1][:16] for name in listing] == ["CC-NEWS-20240501"] * 3
    sizes, urls = [], set()
    for rel in listing:
        with open(root / rel, "rb") as stream:
            records = [r for r in ArchiveIterator(stream) if r.rec_type == "response"]
        sizes.append(len(records))
        urls |= {r.rec_headers.get_header("WARC-Target-URI") for r in records}
    assert sizes == [10, 10, 5] and len(urls) == 25
