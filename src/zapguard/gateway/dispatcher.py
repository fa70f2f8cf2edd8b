"""The dispatcher: works the outbox like a careful person at a phone, one line at a time.

What to send next is decided by :mod:`zapguard.gateway.dispatch_plan` over values; the reads and
writes go through :mod:`zapguard.store.dispatch`. Sends that finish together are recorded in one
transaction (:class:`~zapguard.gateway.batching.BatchCommit`).

Each round claims due work in one write transaction, then sends outside it:

1. **Recover**: rows left ``sending`` past their lease belong to a worker that died. If a status
   webhook already told us the provider took one, it is settled as ``sent``; otherwise it goes back to
   ``queued`` with its attempts kept and ``last_error`` saying it is in doubt.
2. **Lanes**: each line has one pacing lane. A lane is due when its ``next_at`` has passed, its line
   may send (``active`` or ``warming``: paused, quarantined, banned and retired lines keep their
   messages queued), and fewer than ``[dispatch] line_in_flight_max`` sends on the line are in
   flight (by default one: a line is never sent on twice at once, by this process or another;
   above one, never to the same contact twice at once, and a round claims several on the line
   only while its pacing allows). Each lane belongs to a shard of lines held as a named job (see
   :class:`LaneJob`): one worker of the deployment claims on it at a time. On PostgreSQL lanes are locked ``FOR UPDATE SKIP LOCKED``, so several
   dispatcher processes share one outbox; SQLite's ``BEGIN IMMEDIATE`` lets one claimer in at a time.
3. **Pick** on each due lane the oldest due row whose contact may receive now: not within
   ``pair_interval_seconds`` of the line's last send to that contact (the pair rate), and, for a short
   text (ZG502), not younger than ``merge_window_seconds``, so that a burst has time to arrive. Later
   rows of a waiting contact wait behind it (order per contact is kept); other contacts go.
4. **Merge** (ZG502): the queued rows that follow a short text to the same contact, each within the
   merge window of the one before, join it (texts joined by a line break). They become ``merged``
   only when the send succeeds, in the transaction that marks the primary ``sent``.
5. **Pace** (ZG503): the lane's ``next_at`` becomes now + the "typing…" time + a random gap drawn
   from ``[gap_min, gap_max]``: never a fixed rhythm.

Send options a caller asked through a drop-in (:class:`~zapguard.gateway.outbox.MessageOptions`)
travel with the row. A reply (``reply_to``) quoting one of zapguard's own public ids
(``wamid.ZG...``) is translated at send time to the id the provider gave that message, when it
left on the same line (a quote only makes sense inside its own chat); otherwise the message goes
without the quote and a log line says so. A requested ``delay_ms`` is a "typing…" time: the message
is typed for the longer of zapguard's own typing time and the requested delay (cut to
``requested_delay_max_seconds``), and the pacing gap comes on top of that, so a requested delay
can lengthen the pause before a message and never shorten zapguard's pacing. Rows with a reply or
a delay are sent alone, never merged (ZG502): merged, they would quote or wait for the wrong text.

Sending shows "typing…" for a time proportional to the text (where the provider can), then sends.
Outcomes: success → ``sent``; a retryable error → ``queued`` again after an exponential backoff with
full jitter (at least the provider's ``Retry-After``), ``failed`` after ``max_attempts``; a refusal →
``failed``; a ban signal → the message stays ``queued``, the line is paused and an alert is recorded.
An unexpected exception from an adapter counts as retryable, is logged with its traceback, and never
stops the dispatcher. Message texts are never logged (the contacts' privacy): ids and codes are.

Idempotency, honestly. A crash (``kill -9``) at any point loses no queued row: rows only move in
committed transactions. What a crash can leave is a row *in doubt*: claimed, perhaps taken by the
provider, but the worker died before committing ``sent``. Its lease expires, it waits
``in_doubt_wait_seconds`` and is then sent again with the same ``reference`` (its ``public_id``).
Providers that deduplicate on the reference (the simulator does) make that resend harmless;
providers that echo the reference in status webhooks (the Cloud API does, as
``biz_opaque_callback_data``) let a status that arrived meanwhile settle the row as ``sent`` without
resending, and the wait gives that status time to arrive. With a provider that does neither, an in-doubt message may reach the contact
twice: zapguard narrows that window to the time between the provider's answer and one commit, and
cannot close it, because no send and commit can be atomic across two systems.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from zapguard.domain.models import LineState
from zapguard.gateway import dispatch_plan as plan
from zapguard.gateway.batching import BatchCommit
from zapguard.gateway.events import pause_with_alert
from zapguard.gateway.metrics import PROVIDER_ERRORS, SEND_SECONDS, SENDS
from zapguard.gateway.outbox import MessageOptions, is_public_id
from zapguard.policy.config import VolumeConfig
from zapguard.providers.base import Provider, ProviderError, SendOptions, Sent
from zapguard.service_config import DispatchConfig
from zapguard.store import LineRecord, Store
from zapguard.store.dispatch import ClaimRound, DispatchStore, SentSettlement
from zapguard.store.outbox import OutboxEntry

logger = logging.getLogger(__name__)

SENDABLE = (LineState.ACTIVE.value, LineState.WARMING.value, LineState.QUARANTINED.value)
"""Line states the dispatcher sends on; every other state keeps the line's messages queued.

A quarantined line (ZG602) still sends what the policy let through: replies to contacts who wrote in
the last 24 hours; the decision, not the dispatcher, tells those apart."""
_NO_PROVIDER_PAUSE = timedelta(minutes=1)
_ROWS_PER_LANE = 200
"""Due rows read per lane and round when the first page holds no send to make."""
_FIRST_PAGE = 16
"""Due rows read first: the oldest few almost always hold the next send (and its burst)."""

IN_DOUBT = (
    "envio em dúvida: o trabalhador parou antes de confirmar; reenvio com a mesma referência / "
    "in doubt: the worker stopped before confirming; resent with the same reference"
)


@dataclass(frozen=True, slots=True)
class Job:
    """One claimed send: the primary row, the rows merged into it, and how to send it."""

    entry: OutboxEntry
    follower_ids: tuple[int, ...]
    text: str
    line: LineRecord
    provider: Provider
    typing_seconds: float
    attempt: int
    line_free_at: datetime
    """When pacing lets the line send again after this job (its lane's new ``next_at``)."""
    options: MessageOptions = field(default_factory=MessageOptions)


class Dispatcher:
    """Claims due outbox rows and hands them to each line's provider, paced and merged."""

    def __init__(
        self,
        store: Store,
        provider_for: Callable[[LineRecord], Provider],
        dispatch: DispatchConfig,
        volume: VolumeConfig,
        *,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        ban_codes: Collection[str] = (),
    ) -> None:
        self._store = store
        self._rounds = DispatchStore(store)
        self._settle: BatchCommit[SentSettlement, bool] = BatchCommit(self._rounds.settle_sent)
        """Sends that finish together are recorded in one transaction."""
        self._ban_codes = frozenset(ban_codes)
        """Provider error codes that mean the account is blocked (``[health] ban_codes``), on top of
        what each adapter already classifies as a ban."""
        self._provider_for = provider_for
        self._dispatch = dispatch
        self._volume = volume
        self._rules = plan.PlanRules(
            merge_window_seconds=volume.merge_window_seconds,
            merge_max_chars=dispatch.merge_max_chars,
            pair_interval_seconds=volume.pair_interval_seconds,
            typing_chars_per_second=dispatch.typing_chars_per_second,
            typing_max_seconds=dispatch.typing_max_seconds,
            requested_delay_max_seconds=dispatch.requested_delay_max_seconds,
        )
        self._clock = clock
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._sleep = sleep
        self._stopping = threading.Event()
        self._wakeup = threading.Event()
        self._scheduler: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._in_flight: set[Future[None]] = set()
        self._in_flight_lock = threading.Lock()
        self._lanes: frozenset[int] | None = None
        """The shards of lines this dispatcher works (each a leased job, see :class:`LaneJob`);
        ``None``: every line (one dispatcher alone, and the tests' :meth:`run_once`)."""
        self._lanes_lock = threading.Lock()

    # -- lanes ----------------------------------------------------------------------------------

    def lane_of(self, line_id: str) -> int:
        """The shard of a line: stable across processes and hosts (not Python's salted hash)."""
        return zlib.crc32(line_id.encode()) % self._dispatch.lanes

    def work_leased_lanes(self) -> None:
        """From now on work only the lanes handed over by :meth:`take_lane` (none yet)."""
        with self._lanes_lock:
            if self._lanes is None:
                self._lanes = frozenset()

    def take_lane(self, lane: int) -> None:
        with self._lanes_lock:
            self._lanes = (self._lanes or frozenset()) | {lane}
        self._wakeup.set()

    def drop_lane(self, lane: int) -> None:
        """Claim nothing more on the lane's lines; sends already claimed finish and settle."""
        with self._lanes_lock:
            self._lanes = (self._lanes or frozenset()) - {lane}

    @property
    def lanes(self) -> frozenset[int] | None:
        with self._lanes_lock:
            return self._lanes

    # -- running --------------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim what is due now and send it, one after the other, in this thread.

        Returns how many messages were handed to providers. Deterministic with an injected clock,
        random generator and sleep: the tests' way in.
        """
        jobs = self.claim()
        for job in jobs:
            self.send(job)
        return len(jobs)

    def start(self) -> None:
        """Work in the background: one thread claims, ``dispatch.workers`` threads send."""
        if self._scheduler is not None:
            raise RuntimeError("o despachante já está rodando / dispatcher already running")
        self._stopping.clear()
        self._pool = ThreadPoolExecutor(
            max_workers=self._dispatch.workers, thread_name_prefix="zapguard-send"
        )
        self._scheduler = threading.Thread(
            target=self._schedule, name="zapguard-dispatcher", daemon=True
        )
        self._scheduler.start()

    def stop(self, timeout: float | None = None) -> bool:
        """Stop claiming and let the sends in flight finish; ``False`` if some did not in time."""
        self._stopping.set()
        self._wakeup.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._scheduler is not None:
            self._scheduler.join(timeout)
            self._scheduler = None
        with self._in_flight_lock:
            pending = set(self._in_flight)
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        _, not_done = wait_for(pending, timeout=left)
        if self._pool is not None:
            self._pool.shutdown(wait=not not_done)
            self._pool = None
        return not not_done

    @property
    def running(self) -> bool:
        """Whether background work is on (between :meth:`start` and :meth:`stop`)."""
        scheduler = self._scheduler
        return scheduler is not None and scheduler.is_alive() and not self._stopping.is_set()

    def _schedule(self) -> None:
        while not self._stopping.is_set():
            claimed = free = 0
            try:
                with self._in_flight_lock:
                    free = self._dispatch.workers - len(self._in_flight)
                if free > 0:
                    jobs = self.claim(limit=free)
                    claimed = len(jobs)
                    for job in jobs:
                        self._submit(job)
            except Exception:
                # The database went away for a moment: claimed rows, if any, come back when their
                # lease expires. Keep polling.
                logger.exception("falha ao buscar trabalho / claiming outbox work failed")
            if claimed == 0 or claimed < free:
                # Nothing more is due now. Sleep until the poll interval ends or new work may be
                # due: a message was queued in this process or a send finished (its line is free).
                self._wakeup.wait(self._dispatch.poll_seconds)
                self._wakeup.clear()

    def _submit(self, job: Job) -> None:
        assert self._pool is not None
        future = self._pool.submit(self.send, job)
        with self._in_flight_lock:
            self._in_flight.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._in_flight_lock:
            self._in_flight.discard(future)
        self._wakeup.set()

    def wake(self) -> None:
        """New work may be due now (a message was queued): claim without waiting for the poll."""
        self._wakeup.set()

    # -- claiming -------------------------------------------------------------------------------

    def claim(self, *, limit: int | None = None) -> list[Job]:
        """Recover expired leases and claim at most one send per due lane, in one transaction."""
        held = self.lanes
        if held is not None and not held:
            return []  # every lane is another worker's
        now = self._clock()
        jobs: list[Job] = []
        room = self._dispatch.line_in_flight_max
        with self._rounds.claiming() as round_:
            self._recover(round_, now)
            asked = limit if held is None else None
            if room == 1:
                lanes = [
                    (line_id, 0)
                    for line_id in round_.due_lanes(now=now, line_states=SENDABLE, limit=asked)
                ]
            else:
                lanes = round_.lanes_with_room(
                    now=now, line_states=SENDABLE, limit=asked, room=room
                )
            if held is not None:
                lanes = [lane for lane in lanes if self.lane_of(lane[0]) in held][:limit]
            for line_id, busy in lanes:
                if round_.shared:
                    # Other dispatchers claim concurrently: one may have claimed on this line
                    # after our query's snapshot was taken. Look again. SQLite has one writer.
                    if room == 1 and round_.line_busy(line_id=line_id):
                        continue
                    if room > 1:
                        busy = round_.in_flight(line_id=line_id)
                for _ in range(room - busy):
                    if limit is not None and len(jobs) >= limit:
                        break
                    job = self._claim_lane(round_, line_id, now)
                    if job is None:
                        break
                    jobs.append(job)
                    if job.line_free_at > now:
                        break  # pacing: the line waits before its next send
        for job in jobs:
            logger.debug(
                "claimed %s on line %s (attempt %d, %d merged)",
                job.entry.public_id,
                job.entry.line_id,
                job.attempt,
                len(job.follower_ids),
            )
        return jobs

    def _recover(self, round_: ClaimRound, now: datetime) -> None:
        expired = round_.expired_leases(now=now)
        for entry in expired:  # primaries first: a follower's fate follows its primary's
            if entry.merged_into is None and plan.provider_took(entry):
                round_.mark_sent(
                    entry_id=entry.id, provider_message_id=entry.provider_message_id, at=now
                )
                logger.info("in-doubt %s settled as sent by a status webhook", entry.public_id)
        # An in-doubt send waits a little: the provider's own status webhook (carrying our
        # reference) usually settles it meanwhile, and then nothing is sent twice.
        wait_until = now + timedelta(seconds=self._dispatch.in_doubt_wait_seconds)
        for entry in expired:
            round_.recover(entry_id=entry.id, last_error=IN_DOUBT, not_before=wait_until)
            if entry.merged_into is None:
                logger.warning(
                    "lease of %s on line %s expired: requeued in doubt",
                    entry.public_id,
                    entry.line_id,
                )

    def _claim_lane(self, round_: ClaimRound, line_id: str, now: datetime) -> Job | None:
        while True:
            chosen = self._pick(round_, line_id, now)
            if chosen is None:
                return None
            primary = chosen.primary
            if primary.attempts > 0 and plan.provider_took(primary):
                # In doubt, and a status webhook already said the provider has it: do not resend.
                if not round_.mark_sent(
                    entry_id=primary.id,
                    provider_message_id=primary.provider_message_id,
                    at=now,
                    states=("queued",),
                ):
                    return None  # pragma: no cover - the row was read queued in this transaction
                continue
            record = round_.line(line_id)
            if record is None:  # pragma: no cover - lanes reference lines
                return None
            try:
                provider = self._provider_for(record)
            except Exception:
                # A line whose provider cannot be reached (not configured): keep its messages
                # queued, look again in a minute, and let the other lines go.
                logger.exception(
                    "sem provedor para a linha %s / no provider for line %s", line_id, line_id
                )
                round_.set_lane(line_id=line_id, next_at=now + _NO_PROVIDER_PAUSE)
                return None
            text = chosen.text
            options = MessageOptions.of(primary.options)
            typing = plan.typing_seconds(
                text, options, self._rules, provider_types=provider.supports_typing
            )
            lease_until = now + timedelta(seconds=self._dispatch.lease_seconds)
            if not round_.claim(
                entry_id=primary.id, follower_ids=chosen.follower_ids, lease_until=lease_until
            ):
                return None  # pragma: no cover - the lane lock makes this a lost race only
            with self._rng_lock:
                gap = self._rng.uniform(self._volume.gap_min_seconds, self._volume.gap_max_seconds)
            free_at = plan.next_at(now, typing, gap)
            round_.set_lane(line_id=line_id, next_at=free_at)
            return Job(
                entry=primary,
                follower_ids=chosen.follower_ids,
                text=text,
                line=record,
                provider=provider,
                typing_seconds=typing,
                attempt=primary.attempts + 1,
                options=options,
                line_free_at=free_at,
            )

    def _pick(self, round_: ClaimRound, line_id: str, now: datetime) -> plan.Pick | None:
        """The row to send next on the line, with the rows to merge into it."""
        queued = round_.queued(line_id=line_id, now=now, limit=_FIRST_PAGE)
        chosen = self._pick_among(round_, line_id, now, queued)
        if len(queued) < _FIRST_PAGE:
            return chosen
        if chosen is None or chosen.needs_longer_read:
            queued = round_.queued(line_id=line_id, now=now, limit=_ROWS_PER_LANE)
            chosen = self._pick_among(round_, line_id, now, queued)
        return chosen

    def _pick_among(
        self, round_: ClaimRound, line_id: str, now: datetime, queued: list[OutboxEntry]
    ) -> plan.Pick | None:
        if not queued:
            return None
        pair = self._rules.pair_interval
        recent = (
            round_.recent_contacts(line_id=line_id, since=now - pair)
            if pair > timedelta(0)
            else set()
        )
        if self._dispatch.line_in_flight_max > 1:
            # A contact with a send in flight waits for it: its messages arrive in order.
            recent |= round_.in_flight_contacts(line_id=line_id)
        return plan.pick(
            queued,
            now=now,
            recent_contacts=recent,
            pending_primaries=round_.pending(plan.merge_primaries(queued)),
            rules=self._rules,
        )

    # -- sending --------------------------------------------------------------------------------

    def send(self, job: Job) -> None:
        """Type, send and record the outcome of one claimed job. Never raises."""
        try:
            self._send(job)
        except Exception:
            # Recording the outcome failed (the database went away): the lease will expire and the
            # row be recovered in doubt, then resent under the same reference.
            logger.exception(
                "falha ao registrar envio / recording the send of %s failed", job.entry.public_id
            )

    def _send(self, job: Job) -> None:
        entry = job.entry
        kind = job.line.line.provider
        if job.typing_seconds > 0:
            try:
                job.provider.typing(entry.contact, job.typing_seconds)
            except Exception as error:  # typing is a courtesy: it never stops the send
                logger.info(
                    "typing on line %s failed (%s); sending anyway",
                    entry.line_id,
                    type(error).__name__,
                )
            self._sleep(job.typing_seconds)
        started = time.perf_counter()
        try:
            sent = self._deliver(job)
        except ProviderError as error:
            PROVIDER_ERRORS.labels(kind, _status_label(error)).inc()
            self._failed(job, error)
            return
        except Exception as error:
            logger.exception(
                "erro inesperado do provedor / unexpected provider error sending %s on line %s",
                entry.public_id,
                entry.line_id,
            )
            PROVIDER_ERRORS.labels(kind, "exception").inc()
            self._failed(
                job,
                ProviderError(f"{type(error).__name__}: {error}", code="exception", retryable=True),
            )
            return
        SEND_SECONDS.labels(kind).observe(time.perf_counter() - started)
        now = self._clock()
        settled = self._settle.submit(
            SentSettlement(entry_id=entry.id, provider_message_id=sent.provider_message_id, at=now)
        )
        SENDS.labels(kind, "sent").inc()
        if settled:
            logger.info(
                "sent %s on line %s as %s (%d merged)",
                entry.public_id,
                entry.line_id,
                sent.provider_message_id,
                len(job.follower_ids),
            )
        else:
            logger.warning(
                "sent %s on line %s, but its row had moved on (lease lost)",
                entry.public_id,
                entry.line_id,
            )

    def _deliver(self, job: Job) -> Sent:
        entry = job.entry
        if entry.template is not None:
            return job.provider.send_template(
                entry.contact, entry.template, reference=entry.public_id
            )
        options = SendOptions(
            reply_to=self._quoted(entry, job.options.reply_to),
            link_preview=job.options.link_preview,
        )
        if entry.media_url is not None:
            return job.provider.send_media(
                entry.contact,
                entry.media_url,
                caption=job.text or None,
                reference=entry.public_id,
                options=options,
            )
        return job.provider.send_text(
            entry.contact, job.text, reference=entry.public_id, options=options
        )

    def _quoted(self, entry: OutboxEntry, reply_to: str | None) -> str | None:
        """The provider's id of the message ``entry`` replies to (see the module docstring)."""
        if reply_to is None or not is_public_id(reply_to):
            return reply_to
        quoted = self._rounds.message(public_id=reply_to, tenant_id=entry.tenant_id)
        if quoted is not None and quoted.line_id == entry.line_id and quoted.provider_message_id:
            return quoted.provider_message_id
        logger.info(
            "reply of %s sent without its quote: %s was not sent on line %s",
            entry.public_id,
            reply_to,
            entry.line_id,
        )
        return None

    def _failed(self, job: Job, error: ProviderError) -> None:
        entry = job.entry
        kind = job.line.line.provider
        now = self._clock()
        what = _describe(error)
        if error.ban or (error.code is not None and error.code in self._ban_codes):
            self._ban(job, error, what, now)
            SENDS.labels(kind, "ban").inc()
            return
        if error.retryable and job.attempt < self._dispatch.max_attempts:
            delay = self._backoff(job.attempt, error.retry_after)
            self._rounds.requeue(
                entry_id=entry.id,
                attempt=job.attempt,
                not_before=now + timedelta(seconds=delay),
                last_error=f"nova tentativa / retrying: {what}",
            )
            SENDS.labels(kind, "retry").inc()
            logger.info(
                "send of %s on line %s failed (%s, attempt %d): retry in %.1f s",
                entry.public_id,
                entry.line_id,
                _code(error),
                job.attempt,
                delay,
            )
            return
        prefix = (
            f"desistência após {job.attempt} tentativas / gave up after {job.attempt} attempts"
            if error.retryable
            else "o provedor recusou a mensagem / the provider refused the message"
        )
        self._rounds.fail(entry_id=entry.id, attempt=job.attempt, last_error=f"{prefix}: {what}")
        SENDS.labels(kind, "failed").inc()
        logger.warning(
            "send of %s on line %s failed for good (%s, attempt %d)",
            entry.public_id,
            entry.line_id,
            _code(error),
            job.attempt,
        )

    def _ban(self, job: Job, error: ProviderError, what: str, now: datetime) -> None:
        """The provider says the number is out: keep the message, stop the line, raise an alert."""
        entry = job.entry
        line = job.line.line
        self._rounds.give_back(
            entry_id=entry.id,
            attempt=job.attempt,
            last_error=f"linha pausada por sinal de banimento / line paused on a ban signal: {what}",
            with_it=lambda: pause_with_alert(
                self._store,
                tenant=line.tenant_id,
                line_id=line.id,
                at=now,
                code="provider_ban_signal",
                data={
                    "status": "" if error.status is None else str(error.status),
                    "code": error.code or "",
                    "provider": line.provider or "",
                    "message_pt": "o provedor sinalizou banimento; linha pausada",
                    "message_en": "the provider signalled a ban; line paused",
                },
            ),
        )
        logger.warning(
            "ban signal from provider %s on line %s (%s): line paused, %s kept queued",
            line.provider,
            line.id,
            _code(error),
            entry.public_id,
        )

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with full jitter, never shorter than the provider asked."""
        ceiling = min(
            self._dispatch.backoff_cap_seconds,
            self._dispatch.backoff_base_seconds * 2 ** (attempt - 1),
        )
        with self._rng_lock:
            delay = self._rng.uniform(0, ceiling)
        return max(delay, retry_after or 0.0)


class LaneJob:
    """One shard of lines as a named job: whoever holds its lease sends on those lines."""

    def __init__(self, dispatcher: Dispatcher, lane: int) -> None:
        self.name = f"dispatch:lane-{lane}"
        self._dispatcher = dispatcher
        self._lane = lane

    def start(self) -> None:
        self._dispatcher.take_lane(self._lane)

    def stop(self) -> None:
        self._dispatcher.drop_lane(self._lane)


def _status_label(error: ProviderError) -> str:
    if error.status is not None:
        return str(error.status)
    return error.code or "network"


def _code(error: ProviderError) -> str:
    parts = [str(error.status) if error.status is not None else None, error.code]
    return "/".join(part for part in parts if part) or "no code"


def _describe(error: ProviderError) -> str:
    return f"{error} [{_code(error)}]"
