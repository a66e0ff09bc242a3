"""Which failures of a job deserve another attempt."""

from __future__ import annotations


class NotRetryable(Exception):
    """Raised by a handler for a failure another attempt would only repeat (a bad file, a
    right the user lost): the job fails at once, whatever attempts are left. Anything else
    (a dropped database connection, storage that did not answer) is retried with backoff."""


def will_retry(exc: BaseException, attempt: int, max_attempts: int) -> bool:
    return attempt < max_attempts and not isinstance(exc, NotRetryable)
