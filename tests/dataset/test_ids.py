"""Two names per essay (SPEC §3): opaque wire ids, readable display names."""

from __future__ import annotations

import hashlib
import random
import re
import string

import pytest

from eng5_np.dataset.ids import (
    EssayRole,
    derive_display_names,
    derive_wire_ids,
    display_slug,
)

SAFE_ID = re.compile(r"^[a-z0-9_-]{3,36}$")
SAFE_NAME = re.compile(r"^[a-z0-9_-]{3,48}$")
LEGACY_ANCHOR_STEMS = [f"anchor_{g}" for g in ("F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A")]
WIRE_BATCH = "3f1c9a2e-8d4b-4c1e-9a7f-0123456789ab"


def assert_safe_and_unique(names: dict[str, str], stems: list[str]) -> None:
    """Every stem got a name; every name is safe and distinct."""
    assert list(names) == list(dict.fromkeys(stems))
    for stem, name in names.items():
        assert SAFE_NAME.match(name), (stem, name)
    assert len(set(names.values())) == len(names)


def names(stems: list[str], role: EssayRole) -> dict[str, str]:
    return derive_display_names(stems, role)


def test_wire_ids_reveal_neither_role_grade_nor_file_name() -> None:
    stems = ["anchor_C+", "anchor_A", "student_07_vegetarian", "Åsa"]
    keys = [(EssayRole.ANCHOR, s) for s in stems[:2]] + [(EssayRole.STUDENT, s) for s in stems[2:]]
    ids = derive_wire_ids(keys, WIRE_BATCH)
    assert len(set(ids.values())) == len(keys)
    for wire_id in ids.values():
        assert re.fullmatch(r"essay-[0-9a-f]{12}", wire_id), wire_id
        assert SAFE_ID.match(wire_id)
        for leak in ("anchor", "student", "plus", "minus", "vegetarian", "asa"):
            assert leak not in wire_id


def test_wire_ids_are_stable_within_a_run_and_differ_across_runs() -> None:
    keys = [(EssayRole.STUDENT, "essay"), (EssayRole.ANCHOR, "essay")]
    first = derive_wire_ids(keys, "run-one")
    assert first == derive_wire_ids(keys, "run-one")
    second = derive_wire_ids(keys, "run-two")
    assert set(first.values()).isdisjoint(second.values())
    # The same stem as anchor and as student: two essays, two ids.
    assert first[keys[0]] != first[keys[1]]


def test_grade_signs_do_not_collide() -> None:
    shown = names(["anchor_C-", "anchor_C+", "anchor_C"], EssayRole.ANCHOR)
    assert shown == {
        "anchor_C-": "anchor_c_minus",
        "anchor_C+": "anchor_c_plus",
        "anchor_C": "anchor_c",
    }


def test_every_legacy_grade_gets_its_own_readable_id() -> None:
    shown = names(LEGACY_ANCHOR_STEMS, EssayRole.ANCHOR)
    assert_safe_and_unique(shown, LEGACY_ANCHOR_STEMS)
    bodies = {v.removeprefix("anchor_") for v in shown.values()}
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
    anchors = names(stems, EssayRole.ANCHOR)
    students = names(stems, EssayRole.STUDENT)
    assert all(v.startswith("anchor_") for v in anchors.values())
    assert all(v.startswith("student_") for v in students.values())
    assert not set(anchors.values()) & set(students.values())


def test_role_word_in_the_stem_is_not_repeated() -> None:
    shown = names(["student_07_vegetarian"], EssayRole.STUDENT)
    assert shown["student_07_vegetarian"] == "student_07_vegetarian"


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
    assert display_slug(stem) == slug


def test_display_slug_transliterates_names_shown_to_people() -> None:
    # Issue 8: the letters were dropped ("sa_berg_essay_1") instead of transliterated.
    assert display_slug("Åsa Öberg essay (1)") == "asa_oberg_essay_1"
    assert display_slug("Çağla Şahin") == "cagla_sahin"
    assert display_slug("Ωμέγα") == "omega"
    shown = names(["Åsa Öberg essay (1)"], EssayRole.STUDENT)
    assert shown["Åsa Öberg essay (1)"] == "student_asa_oberg_essay_1"


def test_long_names_are_truncated_to_48_and_stay_unique() -> None:
    base = "a_very_long_essay_file_name_that_goes_on_and_on_and_on"
    stems = [f"{base}_{i}" for i in range(5)]
    shown = names(stems, EssayRole.STUDENT)
    assert_safe_and_unique(shown, stems)
    assert all(len(v) == 48 for v in shown.values())


def test_names_without_safe_characters_still_get_ids() -> None:
    stems = ["!!!", "???", "文章", "anchor"]
    assert_safe_and_unique(names(stems, EssayRole.ANCHOR), stems)


def test_stems_that_slug_alike_get_distinct_ids() -> None:
    stems = ["essay one", "essay_one", "Essay-One?", "essay.one"]
    shown = names(stems, EssayRole.STUDENT)
    assert_safe_and_unique(shown, stems)
    assert shown["essay one"] == "student_essay_one"


def test_a_disambiguated_id_cannot_take_another_files_id() -> None:
    # The second "foo" variant is disambiguated with a hash of its stem; a third file that is
    # literally named like that result must still get an id of its own.
    tag = hashlib.sha256(b"foo?").hexdigest()[:5]
    stems = [f"foo_{tag}", "foo!", "foo?"]
    assert_safe_and_unique(names(stems, EssayRole.STUDENT), stems)
    stems = ["foo!", "foo?", f"foo_{tag}"]
    assert_safe_and_unique(names(stems, EssayRole.STUDENT), stems)


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
            assert_safe_and_unique(names(stems, role), stems)


def test_many_names_sharing_a_long_prefix_stay_unique() -> None:
    stems = [f"{'x' * 40}{i}" for i in range(300)]
    assert_safe_and_unique(names(stems, EssayRole.STUDENT), stems)
