"""Fixtures of the operations tests: the S3 server of the storage tests."""

from tests.storage.s3server import s3_endpoint, s3_settings

__all__ = ["s3_endpoint", "s3_settings"]
