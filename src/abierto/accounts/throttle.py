"""Failed-login throttling: a per-process, in-memory counter per (login, client address).

After ``limit`` failures within ``window`` the pair is refused until the oldest failure
leaves the window. In memory on purpose: no migration, no write per attempt; with several
web processes each keeps its own count, so the effective limit is ``limit`` × processes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

Key = tuple[str, str]


class LoginThrottle:
    def __init__(
        self,
        limit: int = 5,
        window: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[Key, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(login: str, address: str | None) -> Key:
        return (login.strip().lower(), address or "?")

    def retry_after(self, key: Key) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        with self._lock:
            if key not in self._failures:
                return 0.0
            failures = self._recent(key)
            if len(failures) < self.limit:
                return 0.0
            return max(0.0, failures[0] + self.window - self.clock())

    def failure(self, key: Key) -> None:
        with self._lock:
            if len(self._failures) >= self.max_keys:
                self._prune()
            self._recent(key).append(self.clock())

    def success(self, key: Key) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: Key) -> deque[float]:
        failures = self._failures.setdefault(key, deque(maxlen=self.limit))
        horizon = self.clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        return failures

    def _prune(self) -> None:
        """Forget pairs with no recent failure; if still full, the oldest pairs."""
        horizon = self.clock() - self.window
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= horizon]:
            del self._failures[key]
        while len(self._failures) >= self.max_keys:
            del self._failures[next(iter(self._failures))]
