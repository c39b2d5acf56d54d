"""moto's S3 server on loopback, in its own process (importable as ``s3server``): the storage tests and the
browser test of an object-store lake start it the same way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

CREDENTIALS = {"key": "testing", "secret": "testing"}
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def moto_server(env: dict[str, str] | None = None) -> Iterator[str]:
    """moto's server in its own process: delta-rs calls S3 from Rust while holding the GIL, so a server
    thread inside the test process could never answer it. Yields its URL; stops it afterwards."""
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


def create_buckets(endpoint: str, *names: str) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=CREDENTIALS["key"],
                          aws_secret_access_key=CREDENTIALS["secret"])
    for name in names:
        client.create_bucket(Bucket=name)


def airflow_connection(endpoint: str) -> dict[str, object]:
    """An Airflow ``aws`` connection to the server (for ``AIRFLOW_CONN_<ID>`` as JSON)."""
    return {"conn_type": "aws", "login": CREDENTIALS["key"], "password": CREDENTIALS["secret"],
            "extra": {"endpoint_url": endpoint, "region_name": REGION}}
