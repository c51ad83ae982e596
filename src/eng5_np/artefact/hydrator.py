"""Apply collected callbacks to the run's in-memory results, once each, in arrival order.

The hydrator decides what each raw Kafka record is (SPEC §5.5): routed by topic, parsed with
the contract models, filtered by batch, deduplicated, or rejected with a reason. Accepted
comparisons become artefact records with a 1-based ``sequence``; costs and tokens are summed
per (provider, model) as they arrive, so the work per event is constant.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from eng5_np.artefact.builder import ObservedEvents
from eng5_np.artefact.event_log import (
    ASSESSMENT_RESULTS,
    COMPARISONS,
    COMPLETIONS,
    FAILURES,
    REJECTED,
    one_line,
)
from eng5_np.artefact.judge_facts import judge_facts
from eng5_np.contracts import (
    ASSESSMENT_RESULT_TOPIC,
    CJ_COMPLETED_TOPIC,
    CJ_FAILED_TOPIC,
    LLM_COMPARISON_RESULT_TOPIC,
    AssessmentResultV1,
    CJAssessmentCompletedV1,
    CJAssessmentFailedV1,
    ContractError,
    EssayComparisonWinner,
    EventEnvelope,
    LLMComparisonResultV1,
    parse_envelope,
)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_REJECTED_RAW_BYTES = 64 * 1024


class Outcome(StrEnum):
    """What happened to one record."""

    COMPARISON = "comparison"
    RESULT = "result"
    COMPLETION = "completion"
    FAILURE = "failure"
    DUPLICATE = "duplicate"
    FOREIGN = "foreign"
    REJECTED = "rejected"


class MetadataIncomplete(Exception):
    """A comparison for this batch lacks essay ids or prompt hash (fatal with --strict-metadata)."""


@dataclass
class CostLine:
    """Accumulated tokens and cost for one (provider, model)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    usd: float = 0.0
    comparisons: int = 0
    unpriced: int = 0
    """Comparisons by an unpriced judge: their ``cost_estimate`` 0 is no price."""
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass
class Decision:
    """The outcome for one record and the line to append to which event file, if any."""

    outcome: Outcome
    file: str | None = None
    line: bytes | None = None
    reason: str | None = None


@dataclass
class Hydrator:
    """In-memory state of one batch, built event by event."""

    wire_batch_id: str
    run_essay_ids: frozenset[str]
    strict_metadata: bool = False
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    costs: dict[tuple[str, str], CostLine] = field(default_factory=dict)
    observed: ObservedEvents = field(default_factory=ObservedEvents)
    result: AssessmentResultV1 | None = None
    completion: CJAssessmentCompletedV1 | None = None
    failure: dict[str, Any] | None = None
    validated_comparisons: int = 0
    """How many leading comparison records were already schema-checked (checkpoints)."""
    _seen_requests: set[str] = field(default_factory=set)
    _seen_event_ids: set[str] = field(default_factory=set)

    # -- decisions ---------------------------------------------------------------------

    def handle(self, topic: str, partition: int, offset: int, raw: bytes | None) -> Decision:
        """Classify and apply one raw record from the broker."""
        if raw is None:
            return self._reject(topic, partition, offset, b"", "empty message value")
        try:
            if topic == LLM_COMPARISON_RESULT_TOPIC:
                return self._comparison(parse_envelope(raw, LLMComparisonResultV1), raw)
            if topic == ASSESSMENT_RESULT_TOPIC:
                return self._result(parse_envelope(raw, AssessmentResultV1), raw)
            if topic == CJ_COMPLETED_TOPIC:
                return self._completion(parse_envelope(raw, CJAssessmentCompletedV1), raw)
            if topic == CJ_FAILED_TOPIC:
                return self._failure(parse_envelope(raw, CJAssessmentFailedV1), raw)
        except ContractError as error:
            return self._reject(topic, partition, offset, raw, error.reason)
        except MetadataIncomplete as error:
            if self.strict_metadata:
                raise
            return self._reject(topic, partition, offset, raw, str(error))
        return self._reject(topic, partition, offset, raw, f"unexpected topic {topic}")

    def _reject(self, topic: str, partition: int, offset: int, raw: bytes, reason: str) -> Decision:
        self.observed.rejected += 1
        clipped = raw[:MAX_REJECTED_RAW_BYTES]
        try:
            raw_text: str = clipped.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            raw_text = base64.b64encode(clipped).decode("ascii")
            encoding = "base64"
        entry = {
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "reason": reason,
            "raw": raw_text,
            "raw_encoding": encoding,
            "raw_truncated": len(raw) > MAX_REJECTED_RAW_BYTES,
        }
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Decision(Outcome.REJECTED, REJECTED, line, reason)

    def _belongs(
        self, batch_ids: tuple[str | None, ...], essay_ids: tuple[str | None, ...]
    ) -> bool:
        if any(b is not None for b in batch_ids):
            return self.wire_batch_id in batch_ids
        return any(e in self.run_essay_ids for e in essay_ids if e is not None)

    def _comparison(self, envelope: EventEnvelope[LLMComparisonResultV1], raw: bytes) -> Decision:
        callback = envelope.data
        metadata = callback.request_metadata
        # Read each metadata key once: this runs for every callback of a batch.
        essay_a, essay_b = callback.essay_a_id, callback.essay_b_id
        batch_key = metadata.get("bos_batch_id")
        if not self._belongs(
            (batch_key if isinstance(batch_key, str) else None,), (essay_a, essay_b)
        ):
            self.observed.foreign += 1
            return Decision(Outcome.FOREIGN)
        if callback.request_id in self._seen_requests:
            self.observed.duplicates += 1
            return Decision(Outcome.DUPLICATE)
        prompt_hash = callback.prompt_sha256
        hash_ok = prompt_hash is not None and _SHA256.match(prompt_hash) is not None
        if essay_a is None or essay_b is None or prompt_hash is None or not hash_ok:
            missing = [
                name for name, value in (("essay_a_id", essay_a), ("essay_b_id", essay_b))
                if value is None
            ]  # fmt: skip
            if not hash_ok:
                missing.append("prompt_sha256 (64 lower-case hex)")
            raise MetadataIncomplete(
                f"comparison {callback.request_id} lacks request_metadata {', '.join(missing)}"
            )
        if essay_a == essay_b:
            # Not a judgement at all; accepted, it would break every Bradley–Terry fit.
            raise ContractError(
                f"comparison {callback.request_id} compares essay {essay_a} with itself"
            )
        cost_key = (callback.provider.value, callback.model)
        line = self.costs.get(cost_key)
        if not math.isfinite((line.usd if line else 0.0) + callback.cost_estimate):
            # Each cost is finite, but a sum past 1.8e308 is not: stored, it would make every
            # later write of the artefact fail, on this run and on each resume.
            raise ContractError(
                f"data.cost_estimate: {callback.cost_estimate!r} makes the cost total non-finite"
            )
        self._seen_requests.add(callback.request_id)
        if line is None:
            line = self.costs[cost_key] = CostLine()
        self._add_comparison(callback, essay_a, essay_b, prompt_hash, line)
        return Decision(Outcome.COMPARISON, COMPARISONS, one_line(raw))

    def _add_comparison(
        self,
        callback: LLMComparisonResultV1,
        essay_a: str,
        essay_b: str,
        prompt_hash: str,
        line: CostLine,
    ) -> None:
        """Append the artefact record of an accepted comparison; add it to its cost ``line``."""
        self.observed.llm_comparisons += 1
        usage = callback.token_usage
        record: dict[str, Any] = {
            "sequence": len(self.comparisons) + 1,
            "request_id": callback.request_id,
            "correlation_id": str(callback.correlation_id),
            "essay_a_id": essay_a,
            "essay_b_id": essay_b,
            "winner_id": None,
            "loser_id": None,
            "prompt_hash": prompt_hash,
            "provider": callback.provider.value,
            "model": callback.model,
            "tokens_prompt": usage.prompt_tokens,
            "tokens_completion": usage.completion_tokens,
            "tokens_total": usage.total_tokens,
            "cost_usd": callback.cost_estimate,
            "response_time_ms": callback.response_time_ms,
            "started_at": callback.requested_at.isoformat(),
            "completed_at": callback.completed_at.isoformat(),
        }
        facts = judge_facts(callback.request_metadata)
        if facts is not None:
            record["judge"] = facts
        winner = callback.winner
        if winner is not None:
            a_won = winner is EssayComparisonWinner.ESSAY_A
            record["winner_id"], record["loser_id"] = (
                (essay_a, essay_b) if a_won else (essay_b, essay_a)
            )
            record["status"] = "succeeded"
            record["confidence"] = callback.confidence
            if callback.justification is not None:
                record["justification"] = callback.justification
        else:
            detail = callback.error_detail
            record["status"] = "failed"
            record["failure_reason"] = detail.message if detail else "no winner in callback"
            record["error_code"] = detail.error_code if detail else "UNKNOWN"
        self.comparisons.append(record)
        line.prompt_tokens += usage.prompt_tokens
        line.completion_tokens += usage.completion_tokens
        line.usd += callback.cost_estimate
        line.comparisons += 1
        if facts is not None:
            line.unpriced += facts.get("priced") is False
            line.cache_read_tokens += facts.get("cache_read_tokens", 0)
            line.cache_write_tokens += facts.get("cache_write_tokens", 0)

    def _first_time(self, envelope: EventEnvelope[Any], job_key: str | None = None) -> bool:
        """Whether this event is new, by ``event_id`` and — for results and completions — by
        (kind, ``cj_assessment_job_id``): the platform's outbox relay gives a re-published
        message a new ``event_id`` (SPEC §11.5), and the batch is already fixed by the caller.
        """
        keys = [str(envelope.event_id)]
        if job_key is not None:
            keys.append(job_key)
        if any(key in self._seen_event_ids for key in keys):
            self.observed.duplicates += 1
            return False
        self._seen_event_ids.update(keys)
        return True

    def _result(self, envelope: EventEnvelope[AssessmentResultV1], raw: bytes) -> Decision:
        result = envelope.data
        ids = tuple(r.essay_id for r in result.essay_results)
        keys = (result.batch_id or None, result.entity_id or None)
        # The batch key decides when present; essay ids only when the result carries none.
        if not self._belongs(keys, ids):
            self.observed.foreign += 1
            return Decision(Outcome.FOREIGN)
        if not self._first_time(envelope, _job_key("result", result.cj_assessment_job_id)):
            return Decision(Outcome.DUPLICATE)
        self.observed.assessment_results += 1
        if self.result is None:
            self.result = result
        return Decision(Outcome.RESULT, ASSESSMENT_RESULTS, one_line(raw))

    def _completion(self, envelope: EventEnvelope[CJAssessmentCompletedV1], raw: bytes) -> Decision:
        completion = envelope.data
        if completion.entity_id != self.wire_batch_id:
            self.observed.foreign += 1
            return Decision(Outcome.FOREIGN)
        if not self._first_time(envelope, _job_key("completion", completion.cj_assessment_job_id)):
            return Decision(Outcome.DUPLICATE)
        self.observed.completions += 1
        if self.completion is None:
            self.completion = completion
        if completion.is_failed and self.failure is None:
            self.failure = {
                "reason": completion.system_metadata.error_summary()
                or f"the CJ service completed the batch with status {completion.status}",
                "source": CJ_COMPLETED_TOPIC,
                "status": completion.status,
                "error_info": completion.system_metadata.error_info,
            }
        return Decision(Outcome.COMPLETION, COMPLETIONS, one_line(raw))

    def _failure(self, envelope: EventEnvelope[CJAssessmentFailedV1], raw: bytes) -> Decision:
        failed = envelope.data
        if failed.entity_id != self.wire_batch_id:
            self.observed.foreign += 1
            return Decision(Outcome.FOREIGN)
        if not self._first_time(envelope):
            return Decision(Outcome.DUPLICATE)
        self.observed.failures += 1
        if self.failure is None:
            self.failure = {
                "reason": failed.reason,
                "source": CJ_FAILED_TOPIC,
                "status": failed.status,
                "error_info": failed.system_metadata.error_info,
            }
        return Decision(Outcome.FAILURE, FAILURES, one_line(raw))

    # -- replay on resume --------------------------------------------------------------

    def replay(self, file: str, line: bytes) -> None:
        """Re-apply one line of an event file written by an earlier run of this batch."""
        if file == REJECTED:
            self.observed.rejected += 1
            return
        topic = {
            COMPARISONS: LLM_COMPARISON_RESULT_TOPIC,
            ASSESSMENT_RESULTS: ASSESSMENT_RESULT_TOPIC,
            COMPLETIONS: CJ_COMPLETED_TOPIC,
            FAILURES: CJ_FAILED_TOPIC,
        }[file]
        self.handle(topic, -1, -1, line)

    # -- views -------------------------------------------------------------------------

    def cost_block(self) -> dict[str, Any]:
        """The artefact's ``costs`` block.

        Comparisons by an unpriced judge are counted in ``unpriced_comparisons`` (and their
        line says ``priced`` false): ``total_usd`` then covers the priced ones only, and the
        reports show the cost as unknown. Cached prompt tokens are shown per line when any.
        """
        lines: list[dict[str, Any]] = []
        for (provider, model), line in sorted(self.costs.items()):
            entry: dict[str, Any] = {
                "provider": provider,
                "model": model,
                "prompt_tokens": line.prompt_tokens,
                "completion_tokens": line.completion_tokens,
                "usd": round(line.usd, 10),
                "comparisons": line.comparisons,
            }
            if line.unpriced:
                entry["priced"] = False
            if line.cache_read_tokens or line.cache_write_tokens:
                entry["cache_read_tokens"] = line.cache_read_tokens
                entry["cache_write_tokens"] = line.cache_write_tokens
            lines.append(entry)
        block: dict[str, Any] = {
            "total_usd": round(sum(c.usd for c in self.costs.values()), 10),
            "token_counts": lines,
        }
        unpriced = sum(line.unpriced for line in self.costs.values())
        if unpriced:
            block["unpriced_comparisons"] = unpriced
        return block

    @property
    def known_cost_usd(self) -> float | None:
        """The summed cost, or None when an unpriced judge made any comparison (unknown)."""
        if any(line.unpriced for line in self.costs.values()):
            return None
        return sum(line.usd for line in self.costs.values())

    def run_essay_ids_sorted(self) -> list[str]:
        """The essay ids this run sent, sorted."""
        return sorted(self.run_essay_ids)

    @property
    def done(self) -> bool:
        """Rich result and thin completion both arrived."""
        return self.result is not None and self.completion is not None


def _job_key(kind: str, job_id: str | None) -> str | None:
    """Deduplication key of a result or completion; None when the event names no job."""
    return f"{kind}:job:{job_id}" if job_id else None
