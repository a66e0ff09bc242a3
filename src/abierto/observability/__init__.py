"""What operators see of a running abierto: structured logs, Prometheus metrics, job timings.

``logging`` sets up one log format for web and worker processes, ``requests`` is the ASGI
middleware that gives every request an id, a log line and a latency sample, ``metrics``
holds the Prometheus metrics and the ``/metrics`` endpoint, ``jobs`` times background jobs.
"""
