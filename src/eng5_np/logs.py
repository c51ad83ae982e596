"""Structured logging (SPEC §9): console lines for people, JSON lines in the run folder.

Every line of a run carries ``correlation_id``, ``batch_id`` and ``runner_mode`` through
structlog's context variables. A redaction processor blanks any field whose name says it is a
secret, as a second line of defence behind ``SecretStr``, and takes the credentials out of any
URL in any field (``http://user:pass@host`` → ``http://***@host``), tracebacks included.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

from eng5_np.primitives.redaction import redact_value

LOG_FILE_NAME = "runner.log.jsonl"
SECRET_KEY_PARTS = ("password", "secret", "api_key", "apikey", "authorization", "credential")
_FILE_HANDLER_NAME = "eng5_run_file"
_LIBRARY_LOGGERS = ("aiokafka", "kafka")


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace values of secret-looking keys with ``***`` and URL credentials anywhere."""
    for key in list(event_dict):
        if any(part in key.lower() for part in SECRET_KEY_PARTS):
            event_dict[key] = "***"
        else:
            event_dict[key] = redact_value(event_dict[key])
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]


def configure_logging(*, verbose: bool = False, json_console: bool = False) -> None:
    """Route structlog through stdlib logging with a console handler on stderr."""
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_console
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    if not verbose:
        console.addFilter(_quiet_libraries)
    console.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info if json_console else _drop_exc_info,
                redact_secrets,  # again: a formatted traceback may quote a URL
                renderer,
            ],
            foreign_pre_chain=_shared_processors(),
        )
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() != _FILE_HANDLER_NAME:
            root.removeHandler(handler)
    root.addHandler(console)
    root.setLevel(logging.DEBUG)
    for noisy in ("aiokafka", "kafka", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _quiet_libraries(record: logging.LogRecord) -> bool:
    # Kafka clients log an unreachable broker at ERROR on every retry; the CLI already says
    # so in one line, so on the console they would read as extra problems. The run log
    # file keeps them, and --verbose shows them.
    return not record.name.startswith(_LIBRARY_LOGGERS)


def _drop_exc_info(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # Tracebacks go to the log file only; people get the one-line error from the CLI.
    event_dict.pop("exc_info", None)
    return event_dict


def attach_run_log(run_dir: Path) -> Path:
    """Also write JSON lines (with tracebacks) to ``<run_dir>/runner.log.jsonl``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOG_FILE_NAME
    detach_run_log()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.set_name(_FILE_HANDLER_NAME)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_secrets,  # again: a formatted traceback may quote a URL
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=_shared_processors(),
        )
    )
    logging.getLogger().addHandler(handler)
    return path


def detach_run_log() -> None:
    """Close and remove the run-folder log handler, if any."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _FILE_HANDLER_NAME:
            root.removeHandler(handler)
            handler.close()


def bind_run_context(**values: str) -> None:
    """Bind correlation_id, batch_id, runner_mode (…) to every following log line."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**values)


def get_logger(name: str) -> Any:
    """A structlog logger for ``name``."""
    return structlog.get_logger(name)
