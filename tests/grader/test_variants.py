"""Per-student variants: stable seeds, distinct numbers, manifests as the source of truth."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from grader.assignment import load_assignment
from grader.errors import GraderError
from grader.generate import generate, select_students
from grader.roster import load_roster
from grader.variants import draw_student, load_or_draw, manifest_text, variant_rng

ASSIGNMENT = {
    "title": "HW", "course": "DL", "due": "2026-12-01", "seed": 11,
    "questions": [{"id": "q1", "family": "adam_update", "points": 10},
                  {"id": "q2", "family": "adam_update", "points": 5,
                   "randomize": {"rows": 1, "cols": 2}}],
}


def _setup(tmp_path, students=("a1", "a2", "a3")):
    assignment = tmp_path / "hw.yaml"
    assignment.write_text(yaml.safe_dump(ASSIGNMENT))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{s},Student {s}\n" for s in students))
    return assignment, roster


def test_variant_seed_is_stable_across_processes():
    """Is a student's generator the same in a fresh interpreter (no salted hash())?"""
    here = variant_rng(11, "q1", "a1").integers(0, 2**62, size=4).tolist()
    code = ("from grader.variants import variant_rng;"
            "print(variant_rng(11, 'q1', 'a1').integers(0, 2**62, size=4).tolist())")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": "123"}).stdout.strip()
    assert str(here) == there


def test_each_key_changes_the_variant():
    """Do the seed, the question id and the student id each change the numbers?"""
    draws = {tuple(variant_rng(*key).integers(0, 2**62, size=2))
             for key in [(11, "q1", "a1"), (12, "q1", "a1"), (11, "q2", "a1"), (11, "q1", "a2")]}
    assert len(draws) == 4


def test_students_get_distinct_variants(tmp_path):
    """Do 50 students get 50 different Adam instances?"""
    assignment = load_assignment(_setup(tmp_path)[0])
    seen = {json.dumps(draw_student(assignment, f"s{i}")["q1"].params) for i in range(50)}
    assert len(seen) == 50


def test_generate_is_byte_identical_on_rerun(tmp_path):
    """Does generating twice into fresh folders give identical manifests, .tex and answers?"""
    assignment, roster = _setup(tmp_path)
    generate(assignment, roster, tmp_path / "one", pdf=False)
    generate(assignment, roster, tmp_path / "two", pdf=False)
    one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*"))
    assert len(one) == 3 * 4
    for relative in one:
        assert (tmp_path / "one" / relative).read_bytes() == \
            (tmp_path / "two" / relative).read_bytes(), relative


def test_manifest_holds_params_and_answers(tmp_path):
    """Does the manifest hold each question's family, params and the engine's answers?"""
    assignment, roster = _setup(tmp_path)
    generate(assignment, roster, tmp_path / "out", pdf=False)
    manifest = json.loads((tmp_path / "out" / "variants" / "a2.json").read_text())
    assert list(manifest) == ["q1", "q2"]
    from problems import get_family

    family = get_family("adam_update")
    for entry in manifest.values():
        assert entry["family"] == "adam_update"
        solved = family.solve(entry["params"])
        np.testing.assert_allclose(entry["answers"]["W"], solved["W"])
    assert np.shape(manifest["q2"]["params"]["W"]) == (1, 2)


def test_issued_variants_never_change(tmp_path):
    """When a manifest exists, do generate and grade keep its numbers even if the seed moves?"""
    assignment_path, roster = _setup(tmp_path)
    generate(assignment_path, roster, tmp_path / "out", pdf=False)
    issued = (tmp_path / "out" / "variants" / "a1.json").read_text()
    moved = dict(ASSIGNMENT, seed=999)
    assignment_path.write_text(yaml.safe_dump(moved))
    generate(assignment_path, roster, tmp_path / "out", pdf=False)
    assert (tmp_path / "out" / "variants" / "a1.json").read_text() == issued
    assignment = load_assignment(assignment_path)
    assert manifest_text(load_or_draw(assignment, tmp_path / "out", "a1")) == issued
    assert manifest_text(load_or_draw(assignment, None, "a1")) != issued


def test_without_manifest_grade_derives_the_same_variants(tmp_path):
    """Without a manifest, is the variant derived from seed and id the one generate issued?"""
    assignment_path, roster = _setup(tmp_path)
    generate(assignment_path, roster, tmp_path / "out", pdf=False)
    assignment = load_assignment(assignment_path)
    for student in ("a1", "a2", "a3"):
        issued = (tmp_path / "out" / "variants" / f"{student}.json").read_text()
        assert manifest_text(load_or_draw(assignment, None, student)) == issued


def test_a_tampered_manifest_is_named(tmp_path):
    """Does grading against a hand-broken manifest stop with one line naming that file?"""
    from click.testing import CliRunner

    from grader.cli import main

    assignment, roster = _setup(tmp_path, students=("a1",))
    generate(assignment, roster, tmp_path / "out", pdf=False)
    manifest = tmp_path / "out" / "variants" / "a1.json"
    document = json.loads(manifest.read_text())
    document["q1"]["params"]["W"] = [[1, 2], [3]]
    manifest.write_text(json.dumps(document))
    (tmp_path / "subs" / "a1").mkdir(parents=True)
    result = CliRunner().invoke(main, ["grade", str(assignment), str(tmp_path / "subs"),
                                       "--out", str(tmp_path / "graded"), "--roster",
                                       str(roster), "--variants", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert str(manifest) in result.output and "parameter 'W'" in result.output


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda q1: q1["params"].update(t="abc"), "student a1: parameter 't': expected"),
    (lambda q1: q1["params"].update(  # 0/0: no moment, no gradient, no eps
        eps=0, **{name: np.zeros_like(q1["params"][name]).tolist()
                  for name in ("grad", "V_prev", "S_prev")}),
     "student a1: these params have no finite answer: step"),
])
def test_generate_rerun_names_a_hand_edited_manifest(tmp_path, edit, problem):
    """A rerun of generate reads the manifests it wrote: are params edited into ones that do
    not parse, or have no finite answer, refused naming the manifest and the student (not a
    bare parameter message, nor an internal error), with the manifest left as edited?"""
    assignment, roster = _setup(tmp_path, students=("a1",))
    generate(assignment, roster, tmp_path / "out", pdf=False)
    manifest = tmp_path / "out" / "variants" / "a1.json"
    document = json.loads(manifest.read_text())
    edit(document["q1"])
    manifest.write_text(json.dumps(document))
    with pytest.raises(GraderError) as caught:
        generate(assignment, roster, tmp_path / "out", pdf=False)
    assert str(caught.value).startswith(f"{manifest}: {problem}")
    assert json.loads(manifest.read_text()) == document


def test_an_answers_template_filled_in_grades_for_ids_yaml_would_misread(tmp_path):
    """Question ids `null` and `True` are valid ids, but a plain YAML key `null:` reads back
    as None: is the template's key written so that a student who fills in every null with
    the right value gets full marks?"""
    from click.testing import CliRunner

    from grader.cli import main
    from grader.datafiles import parse_data_text

    assignment, roster = _setup(tmp_path, students=("a1",))
    document = yaml.safe_load(assignment.read_text())
    document["questions"][0]["id"], document["questions"][1]["id"] = "null", "True"
    assignment.write_text(yaml.safe_dump(document))
    generate(assignment, roster, tmp_path / "out", pdf=False)
    template = (tmp_path / "out" / "answers" / "a1.yaml").read_text()
    issued = json.loads((tmp_path / "out" / "variants" / "a1.json").read_text())
    filled = parse_data_text(template, ".yaml", "a1.yaml")
    assert list(filled) == ["null", "True"]
    for question_id, parts in filled.items():
        for part in parts:
            parts[part] = issued[question_id]["answers"][part]
    (tmp_path / "subs" / "a1").mkdir(parents=True)
    (tmp_path / "subs" / "a1" / "answers.json").write_text(json.dumps(filled))
    result = CliRunner().invoke(main, ["grade", str(assignment), str(tmp_path / "subs"),
                                       "--out", str(tmp_path / "graded"), "--roster",
                                       str(roster), "--variants", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    graded = json.loads((tmp_path / "graded" / "results.json").read_text())["students"]["a1"]
    assert graded["total"] == graded["max"] == 15


def test_generate_rerun_into_its_own_folder_keeps_every_key(tmp_path):
    """Rerunning generate reads the issued manifests: are the keys the same bytes, even where
    the exact answer is a tie at the printed digit (0.1701325 here) that the manifest's
    10 significant digits would round the other way?"""
    assignment = tmp_path / "hw.yaml"
    assignment.write_text(yaml.safe_dump({
        "title": "HW", "course": "DL", "due": "2026-12-01", "seed": 42,
        "questions": [{"id": "adam", "family": "adam_update", "points": 10,
                       "randomize": {"rows": 1, "cols": 4, "t_min": 2, "t_max": 9}}]}))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nw004,A\n")
    out = tmp_path / "out"
    generate(assignment, roster, out, pdf=False)
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.*")}
    generate(assignment, roster, out, pdf=False)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*.*")} == first


def test_students_chosen_twice_are_built_once(tmp_path):
    """`--students a2 --students a1 --students a2`: a2 and a1, once each, in that order; an
    id not on the roster is named."""
    _, roster_path = _setup(tmp_path)
    roster = load_roster(roster_path)
    chosen = select_students(roster, ["a2", "a1", "a2"], roster_path)
    assert [student.id for student in chosen] == ["a2", "a1"]
    with pytest.raises(GraderError, match="no student with id zz"):
        select_students(roster, ["a1", "zz"], roster_path)


def test_a_question_added_after_issuing_says_how_to_go_on(tmp_path):
    """Rerunning generate after adding a question: one message naming the manifest, the new
    question and the ways forward; deleting the manifests redraws the same old numbers."""
    assignment, roster = _setup(tmp_path)
    generate(assignment, roster, tmp_path / "out", pdf=False)
    issued = (tmp_path / "out" / "variants" / "a1.json").read_text()
    grown = dict(ASSIGNMENT, questions=[*ASSIGNMENT["questions"],
                                        {"id": "extra", "family": "backprop", "points": 3}])
    assignment.write_text(yaml.safe_dump(grown))
    with pytest.raises(GraderError) as raised:
        generate(assignment, roster, tmp_path / "out", pdf=False)
    assert str(tmp_path / "out" / "variants") in str(raised.value)
    assert "no question 'extra'" in str(raised.value) and "delete this file" in str(raised.value)
    for manifest in (tmp_path / "out" / "variants").glob("*.json"):
        manifest.unlink()
    generate(assignment, roster, tmp_path / "out", pdf=False)
    redrawn = json.loads((tmp_path / "out" / "variants" / "a1.json").read_text())
    assert {qid: redrawn[qid] for qid in ("q1", "q2")} == json.loads(issued)


def test_an_id_that_is_another_ids_key_file_is_refused(tmp_path):
    """Roster ids s01 and s01-key would share tex/s01-key.tex: refused in one message,
    nothing written."""
    assignment, roster = _setup(tmp_path, students=("s01", "s01-key"))
    with pytest.raises(GraderError, match=r"s01 and s01-key would both write tex/s01-key\.tex"):
        generate(assignment, roster, tmp_path / "out", pdf=False)
    assert not (tmp_path / "out" / "tex").exists()


def test_changed_settings_keep_the_issued_numbers_with_a_warning(tmp_path):
    """Changing a question's settings after issuing: a rerun keeps the issued numbers (the
    manifests are the truth) and says so once, naming the question; an unchanged rerun is
    silent."""
    assignment, roster = _setup(tmp_path)
    generate(assignment, roster, tmp_path / "out", pdf=False)
    issued = (tmp_path / "out" / "variants" / "a1.json").read_text()
    assert generate(assignment, roster, tmp_path / "out", pdf=False).warnings == []
    changed = dict(ASSIGNMENT, questions=[ASSIGNMENT["questions"][0],
                                          dict(ASSIGNMENT["questions"][1],
                                               randomize={"rows": 1, "cols": 3})])
    assignment.write_text(yaml.safe_dump(changed))
    report = generate(assignment, roster, tmp_path / "out", pdf=False)
    assert report.warnings == [
        f"{tmp_path / 'out' / 'variants'}: 3 student(s) keep the numbers issued before for "
        "question(s) q2, which the assignment now sets differently (the manifests are the "
        "truth; delete them to issue new numbers)"]
    assert (tmp_path / "out" / "variants" / "a1.json").read_text() == issued


def test_an_output_under_a_file_is_one_message(tmp_path):
    """generate --out afile/sub: the file system's refusal is a GraderError naming the output
    folder, as grade's is, not an internal error."""
    assignment, roster = _setup(tmp_path)
    (tmp_path / "afile").write_text("not a folder")
    with pytest.raises(GraderError, match="cannot write the outputs there"):
        generate(assignment, roster, tmp_path / "afile" / "sub", pdf=False)


def test_a_file_in_the_way_of_an_output_folder_is_named(tmp_path):
    """A plain file OUT/variants where generate makes its folder: is that file named, rather
    than OUT, which the user would look at in vain?"""
    assignment, roster = _setup(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "variants").write_text("")
    with pytest.raises(GraderError) as caught:
        generate(assignment, roster, tmp_path / "out", pdf=False)
    assert str(caught.value).startswith(f"{tmp_path / 'out' / 'variants'}: cannot write")


@pytest.mark.parametrize(("text", "problem"), [
    ("", "unreadable variants manifest: is empty"),
    ('{"q1": ', "unreadable variants manifest: malformed JSON at line 1: Expecting value"),
    ('{"q1": {"family": "adam_update", "params": {"t": NaN}}}',
     "unreadable variants manifest: it holds NaN, which generate never writes"),
    ("[" * 100_000 + "]" * 100_000, "unreadable variants manifest: nested too deeply"),
    ('{"q1": ' + "1" * 5000 + "}",
     "unreadable variants manifest: a number with more than 4,300 digits"),
])
def test_an_empty_or_cut_manifest_is_named_in_words(tmp_path, text, problem):
    from grader.errors import InputFileError
    from grader.variants import read_manifest

    assignment_path, _ = _setup(tmp_path, students=("a1",))
    manifest = tmp_path / "a1.json"
    manifest.write_text(text)
    with pytest.raises(InputFileError) as caught:
        read_manifest(manifest, load_assignment(assignment_path))
    assert str(caught.value).startswith(f"{manifest}: {problem}")


@pytest.mark.parametrize(("family", "decimals", "matrices"), [
    ("lstm_concepts", False, False),   # T or F only
    ("param_count", False, False),     # whole numbers
    ("adam_update", True, True),
])
def test_instructions_name_only_the_answer_forms_asked(tmp_path, family, decimals, matrices):
    """Do the assignment and its answers file ask for 4 decimal places, and explain matrices,
    only when some answer is such a number or a matrix?"""
    assignment, roster = _setup(tmp_path, students=("a1",))
    document = yaml.safe_load(assignment.read_text())
    document["questions"] = [{"id": "q1", "family": family, "points": 4}]
    assignment.write_text(yaml.safe_dump(document))
    generate(assignment, roster, tmp_path / "out", pdf=False)
    answers = (tmp_path / "out" / "answers" / "a1.yaml").read_text()
    tex = (tmp_path / "out" / "tex" / "a1.tex").read_text()
    assert ("4 decimal places" in answers) == ("4 decimal places" in tex) == decimals
    assert ("Matrices row by row" in answers) == ("matrices row by row" in tex) == matrices
    assert "# Replace every null with your answer" in answers
    assert "Keep the keys exactly as they are." in answers


def test_answers_file_guide_wraps_as_it_always_has():
    from grader.documents import answers_file_guide

    assert answers_file_guide(frozenset({"decimals", "vectors", "matrices"})) == [
        "Replace every null with your answer, up to 4 decimal places. Matrices row by row as",
        "nested lists, vectors as lists. Keep the keys exactly as they are."]
    assert answers_file_guide(frozenset()) == [
        "Replace every null with your answer. Keep the keys exactly as they are."]


@pytest.mark.parametrize(("tolerance", "places"), [
    (None, 4), ({"rounding_decimals": 5}, 6), ({"decimals": 3}, 3), ({"rtol": 0.01}, 4),
])
def test_the_places_asked_follow_the_tolerance(tmp_path, tolerance, places):
    """A tolerance that grades finer work asks for it: the handout, the question's statement
    and the answers file all say how many decimal places."""
    assignment, roster = _setup(tmp_path, students=("a1",))
    document = yaml.safe_load(assignment.read_text())
    question = {"id": "q1", "family": "backprop", "points": 4}
    if tolerance is not None:
        question["tolerance"] = tolerance
    document["questions"] = [question]
    assignment.write_text(yaml.safe_dump(document))
    generate(assignment, roster, tmp_path / "out", pdf=False)
    tex = (tmp_path / "out" / "tex" / "a1.tex").read_text()
    answers = (tmp_path / "out" / "answers" / "a1.yaml").read_text()
    assert f"up to\n{places} decimal places, in the answers file" in tex
    assert f"all up to {places} decimal places." in tex
    assert f"up to {places} decimal places." in " ".join(answers.replace("#", "").split())


def test_shape_hints_count_in_the_singular_for_one():
    from grader.documents import QuestionView

    view = QuestionView(number=1, id="q", title="t", family="f", points=1.0, part_points={},
                        p={}, answers={"m": [[0.5], [0.25]], "v": [0.5]}, parts=("m", "v"),
                        labels={}, worked=(), statement="", answer_keys=("m", "v"), claims={})
    assert view.shape_hint("m") == "2 x 1 matrix, row by row: [[...], ...] (1 number per row)"
    assert view.shape_hint("v") == "list of 1 number"


def test_one_decimal_place_reads_in_the_singular(tmp_path):
    assignment, roster = _setup(tmp_path, students=("a1",))
    document = yaml.safe_load(assignment.read_text())
    document["questions"] = [{"id": "q1", "family": "backprop", "points": 4,
                              "tolerance": {"decimals": 1}}]
    assignment.write_text(yaml.safe_dump(document))
    generate(assignment, roster, tmp_path / "out", pdf=False)
    tex = (tmp_path / "out" / "tex" / "a1.tex").read_text()
    assert "up to\n1 decimal place, in the answers file" in tex
    assert "all up to 1 decimal place." in tex
