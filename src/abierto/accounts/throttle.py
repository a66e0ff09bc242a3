"""Failed-login throttling per (login, client address), shared by every web process.

After ``limit`` failures within ``window`` seconds the pair is refused until the oldest
failure leaves the window; a successful login wipes the count. Counting uses the ``limits``
library on the same store as the request rate limit (``ABIERTO_RATE_LIMIT_STORAGE``): process
memory in the embedded default, Redis in production, so N web processes share one count
instead of allowing ``limit`` × N guesses. A moving window in both, so the answer is exact.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)
NAMESPACE = "abierto-login"


class LoginThrottle:
    def __init__(
        self, limit: int = 5, window: int = 15 * 60, storage_url: str = "memory://"
    ) -> None:
        self.item = RateLimitItemPerSecond(limit, window)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    @staticmethod
    def key(login: str, address: str | None) -> str:
        """One opaque key per pair: the store never holds logins or addresses in clear."""
        raw = f"{login.strip().lower()}\x00{address or '?'}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        try:
            if self.limiter.test(self.item, NAMESPACE, key):
                return 0.0
            stats = self.limiter.get_window_stats(self.item, NAMESPACE, key)
        except Exception:  # the store is down: let people log in rather than lock everyone out
            log.warning("login throttle store unavailable; attempt not limited", exc_info=True)
            return 0.0
        return max(1.0, math.ceil(stats.reset_time - time.time()))

    def failure(self, key: str) -> None:
        try:
            self.limiter.hit(self.item, NAMESPACE, key)
        except Exception:
            log.warning("login throttle store unavailable; failure not counted", exc_info=True)

    def success(self, key: str) -> None:
        try:
            self.limiter.clear(self.item, NAMESPACE, key)
        except Exception:
            log.warning("login throttle store unavailable; count not cleared", exc_info=True)
