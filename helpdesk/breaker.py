"""A small circuit breaker for the services we can live without for a while (Redis, the broker).

Once a call to a service has failed, callers skip it for `cooldown` seconds and take their fallback
at once, instead of each paying the connection timeouts and retries again. Per process, which is
what matters: each web worker finds out for itself, once.
"""

import logging
import threading
import time

log = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, name: str, cooldown: float):
        self.name = name
        self.cooldown = cooldown
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """True while the service is known to be down: don't call it, take the fallback."""
        return time.monotonic() < self._open_until

    def record_failure(self, error: BaseException | None = None) -> None:
        with self._lock:
            newly_open = not self.is_open
            self._open_until = time.monotonic() + self.cooldown
        if newly_open:  # one warning per outage window, not one per call
            log.warning("%s is unavailable (%s); using the fallback for %ss", self.name, error, self.cooldown)

    def record_success(self) -> None:
        self._open_until = 0.0

    def reset(self) -> None:
        self.record_success()
