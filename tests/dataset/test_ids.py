"""Essay ids (SPEC §3): 3–36 chars of [a-z0-9_-], unique per run, readable grade signs."""

from __future__ import annotations

import hashlib
import random
import re
import string

import pytest

from eng5_np.dataset.ids import (
    EssayRole,
    derive_essay_ids,
    display_slug,
    run_suffix,
    slugify_stem,
)

SAFE_ID = re.compile(r"^[a-z0-9_-]{3,36}$")
LEGACY_ANCHOR_STEMS = [f"anchor_{g}" for g in ("F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A")]
SUFFIX = run_suffix("3f1c9a2e-8d4b-4c1e-9a7f-0123456789ab")


def assert_safe_and_unique(ids: dict[str, str], stems: list[str]) -> None:
    """Every stem got an id; every id is safe and distinct."""
    assert list(ids) == list(dict.fromkeys(stems))
    for stem, essay_id in ids.items():
        assert SAFE_ID.match(essay_id), (stem, essay_id)
    assert len(set(ids.values())) == len(ids)


def test_grade_signs_do_not_collide() -> None:
    ids = derive_essay_ids(["anchor_C-", "anchor_C+", "anchor_C"], EssayRole.ANCHOR, SUFFIX)
    assert ids["anchor_C-"] == f"anchor_c_minus-{SUFFIX}"
    assert ids["anchor_C+"] == f"anchor_c_plus-{SUFFIX}"
    assert ids["anchor_C"] == f"anchor_c-{SUFFIX}"


def test_every_legacy_grade_gets_its_own_readable_id() -> None:
    ids = derive_essay_ids(LEGACY_ANCHOR_STEMS, EssayRole.ANCHOR, SUFFIX)
    assert_safe_and_unique(ids, LEGACY_ANCHOR_STEMS)
    bodies = {v.removeprefix("anchor_").removesuffix(f"-{SUFFIX}") for v in ids.values()}
    assert bodies == {
        "f_plus",
        "e_minus",
        "e_plus",
        "d_minus",
        "d_plus",
        "c_minus",
        "c_plus",
        "b",
        "a",
    }


def test_anchors_and_students_are_distinguishable() -> None:
    stems = ["essay_1", "C+", "anchor_B"]
    anchors = derive_essay_ids(stems, EssayRole.ANCHOR, SUFFIX)
    students = derive_essay_ids(stems, EssayRole.STUDENT, SUFFIX)
    assert all(v.startswith("anchor_") for v in anchors.values())
    assert all(v.startswith("student_") for v in students.values())
    assert not set(anchors.values()) & set(students.values())


def test_role_word_in_the_stem_is_not_repeated() -> None:
    ids = derive_essay_ids(["student_07_vegetarian"], EssayRole.STUDENT, SUFFIX)
    assert ids["student_07_vegetarian"] == f"student_07_vegetarian-{SUFFIX}"


def test_suffix_is_per_run_and_deterministic() -> None:
    first = run_suffix("run-one")
    assert first == run_suffix("run-one")
    assert first != run_suffix("run-two")
    assert re.fullmatch(r"[0-9a-f]{6}", first)
    a = derive_essay_ids(["essay"], EssayRole.STUDENT, first)
    b = derive_essay_ids(["essay"], EssayRole.STUDENT, run_suffix("run-two"))
    assert a["essay"] != b["essay"]
    assert a == derive_essay_ids(["essay"], EssayRole.STUDENT, first)


@pytest.mark.parametrize(
    ("stem", "slug"),
    [
        ("Student 01 – Phones!", "student_01_phones"),
        ("C+", "c_plus"),
        ("C-", "c_minus"),
        ("C-.final", "c_minus_final"),
        ("well-being", "well-being"),
        ("Åsa Öberg", "asa_oberg"),
        ("Ærø – Ångström", "aero_angstrom"),
        ("+++", ""),
        ("__a__", "a"),
    ],
)
def test_slugify(stem: str, slug: str) -> None:
    assert slugify_stem(stem) == slug


def test_display_slug_transliterates_names_shown_to_people() -> None:
    # Issue 8: the letters were dropped ("sa_berg_essay_1") instead of transliterated.
    assert display_slug("Åsa Öberg essay (1)") == "asa_oberg_essay_1"
    assert display_slug("Çağla Şahin") == "cagla_sahin"
    assert display_slug("Ωμέγα") == "omega"
    ids = derive_essay_ids(["Åsa Öberg essay (1)"], EssayRole.STUDENT, SUFFIX)
    assert ids["Åsa Öberg essay (1)"] == f"student_asa_oberg_essay_1-{SUFFIX}"


def test_long_names_are_truncated_to_36_and_stay_unique() -> None:
    base = "a_very_long_essay_file_name_that_goes_on_and_on"
    stems = [f"{base}_{i}" for i in range(5)]
    ids = derive_essay_ids(stems, EssayRole.STUDENT, SUFFIX)
    assert_safe_and_unique(ids, stems)
    assert all(len(v) == 36 for v in ids.values())


def test_names_without_safe_characters_still_get_ids() -> None:
    stems = ["!!!", "???", "文章", "anchor"]
    ids = derive_essay_ids(stems, EssayRole.ANCHOR, SUFFIX)
    assert_safe_and_unique(ids, stems)


def test_stems_that_slug_alike_get_distinct_ids() -> None:
    stems = ["essay one", "essay_one", "Essay-One?", "essay.one"]
    ids = derive_essay_ids(stems, EssayRole.STUDENT, SUFFIX)
    assert_safe_and_unique(ids, stems)
    assert ids["essay one"] == f"student_essay_one-{SUFFIX}"


def test_a_disambiguated_id_cannot_take_another_files_id() -> None:
    # The second "foo" variant is disambiguated with a hash of its stem; a third file that is
    # literally named like that result must still get an id of its own.
    tag = hashlib.sha256(b"foo?").hexdigest()[:5]
    stems = [f"foo_{tag}", "foo!", "foo?"]
    ids = derive_essay_ids(stems, EssayRole.STUDENT, SUFFIX)
    assert_safe_and_unique(ids, stems)
    stems = ["foo!", "foo?", f"foo_{tag}"]
    ids = derive_essay_ids(stems, EssayRole.STUDENT, SUFFIX)
    assert_safe_and_unique(ids, stems)


def test_random_file_names_always_give_safe_unique_ids() -> None:
    rng = random.Random(20261124)
    alphabet = string.ascii_letters + string.digits + " +-_.()!åäö"
    for _ in range(200):
        stems = list(
            dict.fromkeys(
                "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
                for _ in range(rng.randint(1, 30))
            )
        )
        for role in EssayRole:
            assert_safe_and_unique(derive_essay_ids(stems, role, SUFFIX), stems)


def test_many_names_sharing_a_long_prefix_stay_unique() -> None:
    stems = [f"{'x' * 40}{i}" for i in range(300)]
    assert_safe_and_unique(derive_essay_ids(stems, EssayRole.STUDENT, SUFFIX), stems)
