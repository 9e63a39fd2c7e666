"""Webhook delivery of the emulator: signed POSTs of the events state changes cause.

Three modes: ``"background"`` (a worker thread drains a bounded queue and POSTs),
``"sync"`` (POST before the API call returns; deterministic tests) and ``"capture"``
(no HTTP: each :class:`Delivery` goes to a callable sink, e.g. ``list.append``).
"""

from __future__ import annotations

import queue
import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from .._signing import BODY_SIGNATURE_HEADER, URI_SIGNATURE_HEADER, signature_header
from ._http import dumps

DeliveryMode = Literal["background", "sync", "capture"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook POST: where it goes, the signed headers and the raw body."""

    subscription_id: int
    event_type: str
    url: str
    headers: dict[str, str]
    body: bytes
    duplicate: bool = False

    def json(self) -> Any:
        import json

        return json.loads(self.body)


@dataclass(slots=True)
class DeliveryResult:
    delivery: Delivery
    status_code: int | None
    error: str | None = None


@dataclass(slots=True)
class _Stats:
    queued: int = 0
    dropped: int = 0
    #: The most recent delivery outcomes (bounded, so a long-running server does not grow).
    results: deque[DeliveryResult] = field(default_factory=lambda: deque(maxlen=1000))


class WebhookDispatcher:
    """Signs and delivers events. Thread-safe; ``close()`` stops the worker."""

    def __init__(
        self,
        *,
        mode: DeliveryMode = "background",
        sink: Callable[[Delivery], None] | None = None,
        clock: Callable[[], float],
        queue_size: int = 1000,
        duplicate_rate: float = 0.0,
        seed: int | None = None,
        timestamp_unit: Literal["s", "ms"] = "s",
        timeout: float = 10.0,
    ) -> None:
        if mode == "capture" and sink is None:
            raise ValueError("capture mode needs a sink callable (e.g. deliveries.append)")
        self.mode: DeliveryMode = mode
        self.sink = sink
        self.clock = clock
        self.duplicate_rate = duplicate_rate
        self.timestamp_unit = timestamp_unit
        self.timeout = timeout
        self.stats = _Stats()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._queue: queue.Queue[Delivery | None] = queue.Queue(maxsize=queue_size)
        self._worker: threading.Thread | None = None
        self._http: httpx.Client | None = None

    # -- building ------------------------------------------------------------------
    def sign(
        self, subscription_id: int, event_type: str, url: str, secret: str, payload: dict[str, Any]
    ) -> Delivery:
        body = dumps(payload)
        now = self.clock()
        stamp = str(int(now * 1000)) if self.timestamp_unit == "ms" else str(int(now))
        headers = {
            "content-type": "application/json",
            "user-agent": "MaintainX-Webhooks (maintainx-sdk emulator)",
            BODY_SIGNATURE_HEADER: signature_header(secret, stamp, body),
            URI_SIGNATURE_HEADER: signature_header(secret, stamp, url),
        }
        return Delivery(subscription_id, event_type, url, headers, body)

    def dispatch(self, delivery: Delivery) -> None:
        """Deliver (or queue) one event, plus a duplicate now and then if configured."""
        batch = [delivery]
        with self._lock:
            if self.duplicate_rate and self._rng.random() < self.duplicate_rate:
                batch.append(
                    Delivery(
                        delivery.subscription_id,
                        delivery.event_type,
                        delivery.url,
                        dict(delivery.headers),
                        delivery.body,
                        duplicate=True,
                    )
                )
        for item in batch:
            if self.mode == "capture":
                assert self.sink is not None
                self.sink(item)
            elif self.mode == "sync":
                self._post(item)
            else:
                self._enqueue(item)

    # -- transport -----------------------------------------------------------------
    def _enqueue(self, delivery: Delivery) -> None:
        self._ensure_worker()
        try:
            self._queue.put_nowait(delivery)
            with self._lock:
                self.stats.queued += 1
        except queue.Full:
            with self._lock:
                self.stats.dropped += 1

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="maintainx-emulator-webhooks", daemon=True
                )
                self._worker.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._post(item)
            finally:
                self._queue.task_done()

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self.timeout, trust_env=False)
            return self._http

    def _post(self, delivery: Delivery) -> None:
        try:
            response = self._client().post(
                delivery.url, content=delivery.body, headers=delivery.headers
            )
            result = DeliveryResult(delivery, response.status_code)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # a failed delivery, not a crash
            result = DeliveryResult(delivery, None, f"{type(exc).__name__}: {exc}")
        with self._lock:
            self.stats.results.append(result)
        if self.sink is not None:
            self.sink(delivery)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until queued deliveries are sent; False on timeout."""
        if self._worker is None:
            return True
        done = threading.Event()

        def waiter() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)

    def close(self) -> None:
        worker = self._worker
        if worker is not None and worker.is_alive():
            self._queue.put(None)
            worker.join(timeout=self.timeout + 1)
        self._worker = None
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None
