"""The CC-NEWS tree in moto as s3://commoncrawl/: the same day, read through fsspec, publishes the same
articles as over HTTPS (the archive's path under the base is its identity, whatever the base)."""

from __future__ import annotations

import lakes
import pytest
from ccnews_tree import LAYOUT, write_tree
from paths import SHARED
from warcs import dev_pages

from newsflow.ingest import ccnews
from newsflow.pipeline import RunContext, run_all

pytestmark = pytest.mark.skipif(not (SHARED / "benchmarks").is_dir(), reason="needs ../shared/benchmarks")


def test_a_ccnews_day_from_s3(s3_endpoint, tmp_path, monkeypatch):
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    root = tmp_path / "tree"
    archives = write_tree(root, dev_pages(sum(row[3] for row in LAYOUT)))
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="commoncrawl")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        client.upload_file(str(path), "commoncrawl", path.relative_to(root).as_posix())
    options = {"key": "testing", "secret": "testing",
               "client_kwargs": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}}
    landing = ccnews.CCNewsLanding("s3://commoncrawl/", storage_options=options)
    day = "2024-05-01"
    summary = run_all(RunContext.create(landing, str(tmp_path / "lake"), day, "manual__1"))
    mine = sorted(r for r, a in archives.items() if a.day == day)
    articles = lakes.read(tmp_path / "lake", "articles", day).to_pylist()
    assert sorted(a["url"] for a in articles) == sorted(u for r in mine for u in archives[r].urls)
    assert {a["warc_filename"] for a in articles} == set(mine)
    assert summary["ccnews"]["bytes_read"] == sum((root / r).stat().st_size for r in mine)
    assert summary["quarantine_reasons"].get("ingest.warc_truncated") == 1
