"""An S3-compatible server on loopback (moto's server mode), started by the tests."""

import pytest
from s3server import moto_server

BUCKETS = ("landing-bucket", "lake-bucket")


@pytest.fixture(scope="module")
def s3_endpoint():
    yield from moto_server()


@pytest.fixture(scope="module")
def recording_s3(tmp_path_factory):
    """A moto server of its own that records every request it gets (moto's recorder: method, URL,
    headers) in a file; returns (url, recording file). Recording starts when the test asks for it."""
    recording = tmp_path_factory.mktemp("moto") / "recording.jsonl"
    for url in moto_server({"MOTO_RECORDER_FILEPATH": str(recording)}):
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
