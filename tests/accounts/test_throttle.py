"""The failed-login throttle, in process memory and in Redis shared by two processes."""

from __future__ import annotations

import time
import uuid

import pytest

from abierto.accounts.throttle import LoginThrottle
from tests.conftest import redis_problem

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_blocks_after_the_limit_until_the_window_passes() -> None:
    throttle = LoginThrottle(limit=3, window=2)
    key = throttle.key(" Ana ", "10.0.0.1")
    assert key == throttle.key("ana", "10.0.0.1")
    for _ in range(2):
        throttle.failure(key)
    assert throttle.retry_after(key) == 0
    throttle.failure(key)
    assert 1 <= throttle.retry_after(key) <= 2
    time.sleep(2.1)
    assert throttle.retry_after(key) == 0


def test_counts_each_login_and_address_apart_and_success_resets() -> None:
    throttle = LoginThrottle(limit=2, window=60)
    ana_here, ana_there = throttle.key("ana", "1.1.1.1"), throttle.key("ana", "2.2.2.2")
    bea_here = throttle.key("bea", "1.1.1.1")
    for _ in range(2):
        throttle.failure(ana_here)
    assert throttle.retry_after(ana_here) > 0
    assert throttle.retry_after(ana_there) == 0 and throttle.retry_after(bea_here) == 0
    throttle.failure(bea_here)
    throttle.success(bea_here)
    throttle.failure(bea_here)
    assert throttle.retry_after(bea_here) == 0  # the success wiped the earlier failure


def test_keys_do_not_hold_logins_or_addresses() -> None:
    key = LoginThrottle.key("ana.lopez", "10.1.2.3")
    assert "ana" not in key and "10.1" not in key


def test_two_processes_share_one_count_in_redis() -> None:
    if problem := redis_problem(REDIS_URL):
        pytest.skip(f"Redis at {REDIS_URL} is not available: {problem}")
    first = LoginThrottle(limit=4, window=60, storage_url=REDIS_URL)
    second = LoginThrottle(limit=4, window=60, storage_url=REDIS_URL)
    key = first.key(f"ana-{uuid.uuid4().hex}", "10.0.0.9")
    for throttle in (first, second, first):
        throttle.failure(key)
    assert first.retry_after(key) == 0 and second.retry_after(key) == 0
    second.failure(key)  # the fourth failure, counted across both
    assert first.retry_after(key) > 0 and second.retry_after(key) > 0
    first.success(key)
    assert second.retry_after(key) == 0


def test_a_store_outage_does_not_lock_everyone_out() -> None:
    throttle = LoginThrottle(limit=1, window=60, storage_url="redis://127.0.0.1:1/0")
    key = throttle.key("ana", "10.0.0.1")
    throttle.failure(key)
    assert throttle.retry_after(key) == 0
