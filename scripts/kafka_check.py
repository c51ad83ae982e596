#!/usr/bin/env python3
"""Check that a Kafka broker answers and has the SPEC §4.1 topics (used by preflight.sh).

Run it with the runner's Python: it reads the broker address and security settings exactly
as the runner does (``KAFKA_BOOTSTRAP_SERVERS``, default ``localhost:9092``; the
``KAFKA_SECURITY_*``/``KAFKA_SASL_*``/``KAFKA_SSL_CAFILE`` variables through
:class:`eng5_np.settings.KafkaSecurity`). Prints one line and exits with:

- 0 — the broker answered and every topic exists;
- 1 — the broker answered but topics are missing (they are named);
- 2 — the broker could not be reached or refused the connection within ``--timeout``.

The SASL password is handed to aiokafka and never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient

from eng5_np.contracts.topics import CALLBACK_TOPICS, CJ_REQUEST_TOPIC
from eng5_np.settings import DEFAULT_KAFKA_BOOTSTRAP, KafkaSecurity

EXIT_OK = 0
EXIT_TOPICS_MISSING = 1
EXIT_UNREACHABLE = 2
DEFAULT_TIMEOUT_S = 5.0
REQUIRED_TOPICS: tuple[str, ...] = (CJ_REQUEST_TOPIC, *CALLBACK_TOPICS)


async def list_topics(bootstrap: str, security: KafkaSecurity, timeout_s: float) -> set[str]:
    """Connect to the broker and return its topic names; the whole call is bounded."""
    timeout_ms = max(int(timeout_s * 1000), 1)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="eng5-preflight",
        request_timeout_ms=timeout_ms,
        **security.aiokafka_kwargs(),
    )
    try:
        async with asyncio.timeout(timeout_s):
            await admin.start()
            topics: list[str] = await admin.list_topics()
            return set(topics)
    finally:
        # close() of a client that never connected can itself wait on the network.
        try:
            async with asyncio.timeout(timeout_s):
                await admin.close()
        except Exception:
            logging.getLogger(__name__).debug("admin client close failed", exc_info=True)


def describe_error(error: BaseException) -> str:
    """A one-line reason for a failed connection, never containing credentials."""
    if isinstance(error, TimeoutError):
        return "no answer before the timeout"
    name = type(error).__name__
    text = str(error).splitlines()[0] if str(error) else ""
    if not text:
        return name
    # Some errors (aiokafka's) already start their message with the class name.
    return text if text.startswith(name) else f"{name}: {text}"


def check(bootstrap: str, timeout_s: float, required: Sequence[str]) -> tuple[int, str]:
    """Run the check and return (exit code, one-line message)."""
    protocol = "?"
    try:
        security = KafkaSecurity()
        protocol = security.security_protocol
        present = asyncio.run(list_topics(bootstrap, security, timeout_s))
    except Exception as error:
        return (
            EXIT_UNREACHABLE,
            f"broker {bootstrap} ({protocol}) not reachable (timeout {timeout_s:g} s): "
            f"{describe_error(error)}",
        )
    missing = [topic for topic in required if topic not in present]
    if missing:
        return (
            EXIT_TOPICS_MISSING,
            f"broker {bootstrap} ({protocol}) answered; missing topics: {', '.join(missing)}",
        )
    return EXIT_OK, f"broker {bootstrap} ({protocol}) answered; all {len(required)} topics present"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the check, print its line, return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or DEFAULT_KAFKA_BOOTSTRAP,
        help="host:port[,host:port] (default: $KAFKA_BOOTSTRAP_SERVERS or %(default)s)",
    )
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds")
    parser.add_argument(
        "--topic",
        action="append",
        dest="topics",
        help="a topic that must exist (repeatable; default: the five SPEC §4.1 topics)",
    )
    args = parser.parse_args(argv)
    # aiokafka logs every refused connection at ERROR; the one line below says it all.
    logging.basicConfig(level=logging.CRITICAL)
    code, message = check(args.bootstrap, args.timeout, args.topics or REQUIRED_TOPICS)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
