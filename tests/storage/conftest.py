"""An S3-compatible server on loopback (moto's server mode), started by the tests."""

import socket

import pytest

BUCKETS = ("landing-bucket", "lake-bucket")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _moto_server(env: dict | None = None):
    """moto's server in its own process: delta-rs calls S3 from Rust while holding the GIL, so a server
    thread inside the test process could never answer it. Yields its URL."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def s3_endpoint():
    yield from _moto_server()


@pytest.fixture(scope="module")
def recording_s3(tmp_path_factory):
    """A moto server of its own that records every request it gets (moto's recorder: method, URL,
    headers) in a file; returns (url, recording file). Recording starts when the test asks for it."""
    recording = tmp_path_factory.mktemp("moto") / "recording.jsonl"
    for url in _moto_server({"MOTO_RECORDER_FILEPATH": str(recording)}):
        yield url, recording


@pytest.fixture
def s3(s3_endpoint, monkeypatch, seeds):
    """Fresh buckets holding the seeds under s3://landing-bucket/seeds/; returns s3fs storage options."""
    import s3fs

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    options = {"key": "testing", "secret": "testing",
               "client_kwargs": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}}
    import boto3

    fs = s3fs.S3FileSystem(**options)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    for bucket in BUCKETS:
        if fs.exists(bucket):
            fs.rm(bucket, recursive=True)
        client.create_bucket(Bucket=bucket)
    fs.invalidate_cache()
    for path in sorted(seeds.iterdir()):
        fs.put(str(path), f"landing-bucket/seeds/{path.name}")
    fs.invalidate_cache()
    return {"options": options, "fs": fs, "endpoint": s3_endpoint}
