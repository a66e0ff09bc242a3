"""A real S3-compatible HTTP server (moto in server mode) on a free loopback port."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from abierto.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_settings(s3_endpoint: str, tmp_path: Path) -> Settings:
    """Settings whose storage is a fresh bucket on the S3 server."""
    import boto3

    bucket = f"abierto-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=bucket)
    return Settings(
        home=tmp_path / "home",
        storage_url=f"s3://{bucket}/blobs",
        s3_endpoint_url=s3_endpoint,
        s3_access_key="test",
        s3_secret_key="test",
        blob_cache_dir=str(tmp_path / "cache"),
    )
