"""Backoff and validation of :class:`RetryPolicy`; the upload data types."""

from __future__ import annotations

import random

import pytest

from eng5_np.upload import RetryPolicy, UploadItem, text_checksum


def test_backoff_is_full_jitter_under_a_doubling_cap() -> None:
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=3.0)
    rng = random.Random(7)
    for failed_attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (10, 3.0)]:
        delays = [policy.backoff_s(failed_attempt, rng) for _ in range(300)]
        assert all(0.0 <= delay <= cap for delay in delays)
        # Full jitter spreads over the whole range, not just near the cap.
        assert min(delays) < cap * 0.2
        assert max(delays) > cap * 0.8


def test_backoff_survives_absurd_attempt_numbers() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=2.0)
    assert 0.0 <= policy.backoff_s(10_000, random.Random(1)) <= 2.0


@pytest.mark.parametrize(
    "bad",
    [
        {"attempts": 0},
        {"base_delay_s": -1.0},
        {"max_delay_s": -0.1},
        {"request_timeout_s": 0.0},
        {"connect_timeout_s": -1.0},
    ],
)
def test_policy_rejects_impossible_values(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 — any of several messages
        RetryPolicy(**bad)  # type: ignore[arg-type]


def test_item_checksum_is_sha256_of_utf8_text() -> None:
    item = UploadItem.from_text("student_essays/a.txt", "smörgåsbord")
    expected = "3839962d88c7eb73dbd9f0fdb16a418320a976773844552cbe1d1f1d1ee91d69"
    assert item.checksum == text_checksum("smörgåsbord") == expected


def test_item_with_a_wrong_checksum_is_refused() -> None:
    with pytest.raises(ValueError, match=r"student_essays/a\.txt"):
        UploadItem(checksum="0" * 64, label="student_essays/a.txt", text="essay")


def test_item_repr_never_shows_the_text() -> None:
    item = UploadItem.from_text("anchor_essays/b.txt", "a very private essay")
    assert "private" not in repr(item)
