"""The disk-backed upload cache: layout, URL scoping, corruption, atomic saves."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from eng5_np.upload import UploadCache, text_checksum

URL = "http://127.0.0.1:8001/v1/content"
OTHER_URL = "http://127.0.0.1:9001/v1/content"
CHECKSUM_A = text_checksum("essay a")
CHECKSUM_B = text_checksum("essay b")


def test_file_is_named_by_url_digest_and_holds_url_and_entries(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, URL)
    cache.put(CHECKSUM_A, "id-a")
    cache.save()

    digest = hashlib.sha256(URL.encode()).hexdigest()[:16]
    assert cache.path == tmp_path / f"uploads-{digest}.json"
    document = json.loads(cache.path.read_text(encoding="utf-8"))
    assert document["content_service_url"] == URL
    assert document["entries"] == {CHECKSUM_A: "id-a"}
    assert [path.name for path in tmp_path.iterdir()] == [cache.path.name]  # no temp left


def test_saved_entries_are_read_by_a_new_instance(tmp_path: Path) -> None:
    first = UploadCache(tmp_path, URL)
    first.put(CHECKSUM_A, "id-a")
    assert first.unsaved == 1
    first.save()
    assert first.unsaved == 0

    second = UploadCache(tmp_path, URL)
    assert second.get(CHECKSUM_A) == "id-a"
    assert second.get(CHECKSUM_B) is None
    assert len(second) == 1


def test_unsaved_entries_are_not_on_disk(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, URL)
    cache.put(CHECKSUM_A, "id-a")
    assert UploadCache(tmp_path, URL).get(CHECKSUM_A) is None


def test_trailing_slash_does_not_split_the_cache(tmp_path: Path) -> None:
    assert UploadCache(tmp_path, URL + "/").path == UploadCache(tmp_path, URL).path


def test_each_url_has_its_own_file(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, URL)
    cache.put(CHECKSUM_A, "id-a")
    cache.save()

    other = UploadCache(tmp_path, OTHER_URL)
    assert other.path != cache.path
    assert other.get(CHECKSUM_A) is None


def test_a_file_recorded_for_another_url_is_never_used(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, URL)
    foreign = {"content_service_url": OTHER_URL, "entries": {CHECKSUM_A: "foreign-id"}}
    cache.path.write_text(json.dumps(foreign), encoding="utf-8")

    with capture_logs() as logs:
        reloaded = UploadCache(tmp_path, URL)
    assert reloaded.get(CHECKSUM_A) is None
    assert [log["event"] for log in logs] == ["upload_cache_other_url_ignored"]
    assert logs[0]["log_level"] == "warning"

    # Saving replaces it with this URL's entries only: the foreign id never leaks in.
    reloaded.put(CHECKSUM_B, "id-b")
    reloaded.save()
    document = json.loads(reloaded.path.read_text(encoding="utf-8"))
    assert document == {
        "version": 1,
        "content_service_url": URL,
        "entries": {CHECKSUM_B: "id-b"},
    }


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", '{"content_service_url": "x"}', "\udcff"],
    ids=["bad-json", "not-object", "no-entries", "not-utf8"],
)
def test_a_corrupt_file_is_ignored_with_a_warning_and_rewritten(
    tmp_path: Path, content: str
) -> None:
    cache_path = UploadCache(tmp_path, URL).path
    cache_path.write_bytes(content.encode("utf-8", errors="surrogateescape"))

    with capture_logs() as logs:
        cache = UploadCache(tmp_path, URL)
    assert len(cache) == 0
    assert len(logs) == 1
    assert logs[0]["log_level"] == "warning"
    assert logs[0]["path"] == str(cache_path)

    cache.put(CHECKSUM_A, "id-a")
    cache.save()
    assert UploadCache(tmp_path, URL).get(CHECKSUM_A) == "id-a"


def test_malformed_entries_are_dropped_and_good_ones_kept(tmp_path: Path) -> None:
    path = UploadCache(tmp_path, URL).path
    entries = {CHECKSUM_A: "id-a", "not-a-checksum": "id-x", CHECKSUM_B: 42}
    path.write_text(json.dumps({"content_service_url": URL, "entries": entries}), "utf-8")

    with capture_logs() as logs:
        cache = UploadCache(tmp_path, URL)
    assert cache.get(CHECKSUM_A) == "id-a"
    assert len(cache) == 1
    assert [(log["event"], log["ignored"]) for log in logs] == [
        ("upload_cache_bad_entries_ignored", 2)
    ]


def test_an_unwritable_cache_directory_warns_instead_of_failing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    cache = UploadCache(blocker / "cache", URL)
    cache.put(CHECKSUM_A, "id-a")

    with capture_logs() as logs:
        cache.save()
    assert [log["event"] for log in logs] == ["upload_cache_not_saved"]
    assert cache.get(CHECKSUM_A) == "id-a"  # still usable in memory for this run
    assert cache.unsaved == 1


def test_saves_of_two_runs_sharing_the_cache_keep_both(tmp_path: Path) -> None:
    first = UploadCache(tmp_path, URL)
    second = UploadCache(tmp_path, URL)
    first.put(CHECKSUM_A, "id-a")
    second.put(CHECKSUM_B, "id-b")
    first.save()
    second.save()

    merged = UploadCache(tmp_path, URL)
    assert (merged.get(CHECKSUM_A), merged.get(CHECKSUM_B)) == ("id-a", "id-b")


def test_a_newer_id_replaces_the_old_one_on_save(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, URL)
    cache.put(CHECKSUM_A, "old")
    cache.save()
    cache.put(CHECKSUM_A, "new")
    cache.save()
    assert UploadCache(tmp_path, URL).get(CHECKSUM_A) == "new"


def test_default_dir_prefers_the_explicit_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENG5_UPLOAD_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert UploadCache.default_dir() == tmp_path / "explicit"


def test_default_dir_uses_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENG5_UPLOAD_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert UploadCache.default_dir() == tmp_path / "xdg" / "eng5-runner" / "uploads"


@pytest.mark.parametrize("xdg", ["", "relative/path"])
def test_default_dir_falls_back_to_home_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: str
) -> None:
    monkeypatch.delenv("ENG5_UPLOAD_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert UploadCache.default_dir() == tmp_path / ".cache" / "eng5-runner" / "uploads"
