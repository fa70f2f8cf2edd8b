"""Named background jobs, each run by exactly one worker at a time across processes and hosts.

Every worker of every host runs a :class:`JobRunner` over the same registry of jobs. On each
heartbeat the runner renews the leases it holds (a job whose lease is gone stops at once) and asks
for the leases of the jobs nobody holds, starting each one it gets. A worker that dies stops
renewing; its jobs' leases end (at once on PostgreSQL, after the lease time elsewhere) and the next
heartbeat of another worker takes them. The jobs themselves are plain objects with ``start`` and
``stop``: a dispatcher lane, the retention purge, and later the campaign scheduler and the warm-up.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from zapguard.store.leases import Lease, Leases

log = logging.getLogger("zapguard.jobs")


class Job(Protocol):
    """Background work under one name; ``start``/``stop`` must return promptly."""

    @property
    def name(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class JobRegistry:
    """The named jobs of a deployment: every worker registers the same ones, in the same way."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def add(self, job: Job) -> None:
        if job.name in self._jobs:
            raise ValueError(f"tarefa repetida / job registered twice: {job.name!r}")
        self._jobs[job.name] = job

    def extend(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self.add(job)

    @property
    def names(self) -> list[str]:
        return list(self._jobs)

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def get(self, name: str) -> Job:
        return self._jobs[name]


class PeriodicJob:
    """Runs ``run`` every ``interval_seconds`` while held (the first run one interval after it
    was taken: a job moving to another worker does not run twice in a row)."""

    def __init__(self, name: str, run: Callable[[], object], interval_seconds: float) -> None:
        self.name = name
        self._run = run
        self._interval = interval_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, args=(self._stopping,), name=f"zapguard-{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        # Not joined: a run in progress finishes on its own (each run is safe to repeat).
        self._thread = None

    def _loop(self, stopping: threading.Event) -> None:
        while not stopping.wait(self._interval):
            try:
                self._run()
            except Exception:  # the next round tries again; serving goes on
                log.exception("tarefa %s falhou / job %s failed", self.name, self.name)


class JobRunner:
    """Holds leases on the registry's jobs from a heartbeat thread and runs the jobs it holds."""

    def __init__(
        self,
        registry: JobRegistry,
        leases: Leases,
        *,
        heartbeat_seconds: float,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._registry = registry
        self._leases = leases
        self._heartbeat = heartbeat_seconds
        self._on_change = on_change
        self._held: dict[str, Lease] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def holder(self) -> str:
        return self._leases.holder

    @property
    def held(self) -> frozenset[str]:
        """The names of the jobs this runner holds now."""
        with self._lock:
            return frozenset(self._held)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("o executor de tarefas já está rodando / job runner already running")
        self._stopping.clear()
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="zapguard-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop every held job and give its lease back, so another worker takes it at once."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        with self._lock:
            held, self._held = self._held, {}
        for name, lease in held.items():
            self._stop_job(name)
            self._leases.release(lease)
        self._leases.leave()
        if held:
            self._on_change()

    def close(self) -> None:
        """Stop, and close the lease backend's connections."""
        self.stop()
        self._leases.close()

    def beat(self) -> None:
        """One heartbeat: keep what is held, drop what was lost, and hold this worker's share.

        The share is the jobs divided by the live workers, rounded up: a worker holding more gives
        the rest back (the newcomers take them at their next beat), one holding less takes free
        jobs, so the lanes spread over the workers instead of staying with the first to start.
        """
        changed = False
        with self._lock:
            held = dict(self._held)
        for name, lease in held.items():
            if not self._leases.renew(lease):
                log.warning("tarefa %s perdeu a vez / job %s lost its lease", name, name)
                self._stop_job(name)
                with self._lock:
                    self._held.pop(name, None)
                changed = True
        try:
            members = self._leases.members()
        except Exception:
            log.warning(
                "não consegui contar os trabalhadores / could not count workers", exc_info=True
            )
            members = 0  # the coordination backend is away: take nothing new this beat
        names = self._registry.names
        if members and not self._stopping.is_set():
            share = math.ceil(len(names) / members)
            changed = self._shed(share) or changed
            changed = self._take(names, share) or changed
        if changed:
            self._on_change()

    def _shed(self, share: int) -> bool:
        with self._lock:
            held = sorted(self._held)
        extra = random.sample(held, max(0, len(held) - share))
        if not extra:
            return False
        for name in extra:
            with self._lock:
                lease = self._held.pop(name)
            self._stop_job(name)
            self._leases.release(lease)
            log.info("tarefa %s devolvida para dividir / job %s handed back to share", name, name)
        return True

    def _take(self, names: list[str], share: int) -> bool:
        taken_any = False
        # In random order: workers starting together then split the free jobs between them.
        for name in random.sample(names, len(names)):
            with self._lock:
                if len(self._held) >= share:
                    break
                if name in self._held:
                    continue
            try:
                taken = self._leases.acquire(name)
            except Exception:
                log.warning(
                    "não consegui pedir %s / could not ask for %s", name, name, exc_info=True
                )
                break  # the coordination backend is away: try again next beat
            if taken is None:
                continue
            with self._lock:
                self._held[name] = taken
            log.info("tarefa %s assumida por %s / job %s taken", name, self.holder, name)
            self._registry.get(name).start()
            taken_any = True
        return taken_any

    def _stop_job(self, name: str) -> None:
        try:
            self._registry.get(name).stop()
        except Exception:
            log.exception("tarefa %s não parou bem / job %s did not stop cleanly", name, name)

    def _loop(self) -> None:
        while not self._stopping.wait(self._heartbeat):
            try:
                self.beat()
            except Exception:
                log.exception("batida das tarefas falhou / job heartbeat failed")


__all__ = ["Job", "JobRegistry", "JobRunner", "PeriodicJob"]
