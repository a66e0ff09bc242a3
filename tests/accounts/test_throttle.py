"""The failed-login throttle, on a controlled clock."""

from __future__ import annotations

from abierto.accounts.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_the_limit_until_the_oldest_failure_expires() -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=3, window=60, clock=clock)
    key = throttle.key(" Ana ", "10.0.0.1")
    assert key == ("ana", "10.0.0.1")
    for _ in range(2):
        throttle.failure(key)
        clock.now += 10
    assert throttle.retry_after(key) == 0
    throttle.failure(key)  # the third, at t=20
    assert throttle.retry_after(key) == 40  # now t=20; the first (t=0) leaves at t=60
    clock.now += 20
    assert throttle.retry_after(key) == 20
    clock.now += 20
    assert throttle.retry_after(key) == 0  # two failures remain in the window
    throttle.failure(key)
    assert throttle.retry_after(key) == 10  # the one at t=10 leaves at t=70


def test_counts_each_login_and_address_apart_and_success_resets() -> None:
    throttle = LoginThrottle(limit=2, window=60, clock=Clock())
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


def test_memory_is_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=2, window=60, clock=clock, max_keys=100)
    for n in range(1000):
        throttle.failure(throttle.key(f"user{n}", "1.1.1.1"))
        assert throttle.retry_after(throttle.key(f"nobody{n}", "1.1.1.1")) == 0
    assert len(throttle._failures) <= 100
    throttle.failure(throttle.key("user999", "1.1.1.1"))
    assert throttle.retry_after(throttle.key("user999", "1.1.1.1")) > 0  # recent ones kept
