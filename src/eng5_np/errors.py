"""One exception tree for the runner; every class knows its exit code and advice.

::

    RunnerError (1, unexpected)
    ├── UsageError (2)               bad options or their combination
    │   ├── DatasetError (2)         dataset missing, unreadable, incomplete, bad grades
    │   ├── ModelManifestError (2)   unknown LLM provider/model
    │   ├── AssignmentNotReady (2)   assignment preflight: instructions, scale or anchors
    │   │                            missing or incompatible with the run's options
    │   ├── ArtefactUnreadable (2)   the artefact named is missing or not a JSON artefact
    │   ├── IncomparableRuns (2)     compare: runs of different datasets or grade scales
    │   ├── CostLimitExceeded (2)    sweep: the cost estimate is above --cost-limit
    │   └── JudgeMisconfigured (2)   --judge malformed, or its provider's API key not set
    ├── DependencyUnavailable (3)    a service cannot be reached / preflight failed
    │   ├── BrokerUnavailable (3)    Kafka bootstrap servers do not answer
    │   ├── ContentServiceUnavailable (3)
    │   ├── CJServiceUnavailable (3) the CJ service's HTTP API does not answer
    │   │   └── AssignmentAnswered500 (3) an assignment's GET answered 500: most likely
    │   │                            it has no instructions (the platform's defect)
    │   ├── AdminAccessRefused (3)   the CJ admin API refused the token
    │   ├── AdminWriteNotStored (3)  an admin write was acknowledged but not stored
    │   └── LLMProviderUnavailable (3) the LLM Provider's model manifest cannot be read
    ├── UploadError (3)              some essays could not be uploaded
    ├── CollectionTimeout (4)        waited too long; a partial artefact was written
    ├── CollectionInterrupted (4)    Ctrl-C / SIGTERM; a partial artefact was written
    ├── BatchFailed (5)              the CJ service reported the batch failed
    └── ArtefactInvalid (1)          an artefact failed its schema/checksum check (a bug
        │                            when the runner wrote it; bad input when verifying)
        └── ArtefactChanged (1)      report: the artefact's checksum does not match it

The CLI prints ``str(error)`` (one line) followed by ``advice`` and exits with
``exit_code``; tracebacks go only to the log file.

A batch that completed but whose rich result never came (within ``--result-grace``) is no error:
it exits 0. Its data is complete and analysed by the runner; re-running or resuming cannot
bring the result (the platform failed to build it), and the artefact says it is missing
(``validation.runner_status.service_result_missing``) — docs/RUNBOOK.md, "Exit codes", gives
the reasons.
"""

from __future__ import annotations

from typing import ClassVar


class RunnerError(Exception):
    """Base of every error the runner reports to the user."""

    exit_code: ClassVar[int] = 1
    default_advice: ClassVar[str] = "See runner.log.jsonl in the output folder for details."

    def __init__(self, message: str, *, advice: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice if advice is not None else self.default_advice

    def one_line(self) -> str:
        """The single line printed to the user: what went wrong and what to do."""
        return f"{self.message} — {self.advice}" if self.advice else self.message


class UsageError(RunnerError):
    """Invalid options or option combinations."""

    exit_code = 2
    default_advice = "Run `eng5-runner --help` for the valid options."


class DatasetError(UsageError):
    """The dataset folder is missing, incomplete or has unreadable files."""

    default_advice = "Fix the dataset files named above and run `eng5-runner --mode plan` again."

    def __init__(
        self, message: str, *, problems: list[str] | None = None, advice: str | None = None
    ) -> None:
        super().__init__(message, advice=advice)
        self.problems: list[str] = list(problems or [])


class ModelManifestError(UsageError):
    """An LLM provider/model override is not in the shipped model manifest."""

    default_advice = "Run `eng5-runner models` to list the known providers and models."


class AssignmentNotReady(UsageError):
    """An assignment run's preflight found the assignment unusable for this run."""

    default_advice = "Run `eng5-runner assignment setup` / `eng5-runner anchors register`."


class ArtefactUnreadable(UsageError):
    """The artefact file named on the command line is missing or is not a JSON artefact."""

    default_advice = (
        "Pass the path of an assessment_run.<mode>.json artefact written by eng5-runner."
    )


class IncomparableRuns(UsageError):
    """``compare`` was given runs whose figures measure different things."""

    default_advice = "Compare runs of one dataset and one grade scale (metadata.inventory_hash)."


class CostLimitExceeded(UsageError):
    """A sweep's cost estimate is above ``--cost-limit``; nothing was started."""

    default_advice = (
        "Raise --cost-limit, or shrink the sweep (fewer values per flag, fewer --repeats, a "
        "smaller --max-comparisons)."
    )


class JudgeMisconfigured(UsageError):
    """The local stack's real judge cannot start: a bad ``--judge`` or a missing API key."""

    default_advice = (
        "Use --judge simulated or <provider>:<model> with its API key exported "
        "(docs/RUNBOOK.md, 'A real LLM judge')."
    )


class DependencyUnavailable(RunnerError):
    """A service the run depends on cannot be reached."""

    exit_code = 3
    default_advice = "Check the service is running (scripts/preflight.sh) and try again."


class BrokerUnavailable(DependencyUnavailable):
    """The Kafka bootstrap servers do not answer."""

    default_advice = (
        "Check --kafka-bootstrap / KAFKA_BOOTSTRAP_SERVERS, or use --local-stack to start an "
        "embedded broker."
    )


class ContentServiceUnavailable(DependencyUnavailable):
    """The Content Service does not answer."""

    default_advice = "Check --content-service-url / CONTENT_SERVICE_URL, or use --local-stack."


class CJServiceUnavailable(DependencyUnavailable):
    """The CJ service's HTTP API (health, admin) does not answer."""

    default_advice = "Check --cj-service-url / CJ_SERVICE_URL and that the CJ service is up."


class AssignmentAnswered500(CJServiceUnavailable):
    """A GET for an assignment's instructions or anchors answered 500: on the measured
    platform, how an assignment without instructions answers (SPEC §11.6)."""


class AdminAccessRefused(DependencyUnavailable):
    """The CJ admin API refused the bearer token (401/403)."""

    default_advice = "Set CJ_ADMIN_TOKEN to a current token whose payload has 'admin' in its roles."


class AdminWriteNotStored(DependencyUnavailable):
    """The CJ admin API acknowledged a write that reading back shows was not stored."""

    default_advice = (
        "The platform acknowledged the write but did not store it (a known defect of some "
        "versions); ask its operators to check the CJ database, then run the command again."
    )


class LLMProviderUnavailable(DependencyUnavailable):
    """The LLM Provider's live model manifest cannot be read."""

    default_advice = (
        "Check --llm-provider-url / LLM_PROVIDER_URL, or leave it out to use the shipped manifest."
    )


class UploadError(DependencyUnavailable):
    """One or more essays could not be uploaded after retries."""

    default_advice = "Fix the files or the Content Service and re-run; uploaded essays are cached."

    def __init__(
        self, message: str, *, failures: list[str] | None = None, advice: str | None = None
    ) -> None:
        super().__init__(message, advice=advice)
        self.failures: list[str] = list(failures or [])


class CollectionTimeout(RunnerError):
    """The batch did not complete within --completion-timeout; partial data was kept."""

    exit_code = 4
    default_advice = (
        "The partial artefact is valid; re-run with the same --output-dir and --batch-id to "
        "resume collecting, or raise --completion-timeout."
    )


class CollectionInterrupted(CollectionTimeout):
    """Ctrl-C or SIGTERM during collection; partial data was kept."""


class BatchFailed(RunnerError):
    """The CJ service reported that the batch failed."""

    exit_code = 5
    default_advice = "The reason is recorded in the artefact's validation.runner_status.failed."


class ArtefactInvalid(RunnerError):
    """An artefact does not match its schema, checksum or manifest."""

    exit_code = 1
    default_advice = "The artefact or a file it lists was changed after it was written."


class ArtefactChanged(ArtefactInvalid):
    """``report`` was given an artefact whose content no longer matches its checksum.

    Exit 1, as when ``verify`` finds the same mismatch: the figures cannot be vouched for.
    """

    default_advice = (
        "Run `eng5-runner verify` on it to see what changed, or pass --force to render it "
        "under a warning banner."
    )
