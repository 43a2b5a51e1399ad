"""Reading answers files and coercing given values: clear messages, never a crash."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.answers import (
    NOT_FINITE,
    AnswerError,
    read_answers,
    to_array,
    to_number,
    to_word,
)
from grader.compare import matches, read_given
from tests.conftest import BILLION_LAUGHS_YAML

FUZZ_EXAMPLES = 10_000


@pytest.mark.parametrize(("text", "number"), [
    ("0.25", 0.25), (" -1e-3 ", -0.001), ("1/4", 0.25), ("-3/2", -1.5), (".5", 0.5),
    (7, 7.0), (0.1, 0.1),
])
def test_numbers_and_numeric_text(text, number):
    """Are numbers, numeric strings and simple fractions read as numbers?"""
    assert to_number(text) == pytest.approx(number)


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "'abc' is not a number"), (True, "expected a number, got true"),
    (float("nan"), "NaN"), ("inf", "is not a number"), (float("inf"), "NaN, infinity"),
    ("1/0", "divides by zero"), (None, "no value"), ({"a": 1}, "got a mapping"),
    (b"\x00", "expected a number, got binary data$"),
    ("0,25", r"write the decimal point as a point \(0\.25\)"),
    ("1,2,3", "'1,2,3' is not a number$"),
    pytest.param(10**400, "beyond 1.8e308", id="400-digit int"),
    pytest.param("1" + "0" * 400, "beyond 1.8e308", id="400-digit text"),
])
def test_non_numbers_are_refused_with_a_reason(value, message):
    """Is text, a boolean, NaN, infinity or a mapping refused with a clear reason?"""
    with pytest.raises(AnswerError, match=message):
        to_number(value)


@pytest.mark.parametrize(("value", "message"), [
    (None, "expected a word, got null \\(no value\\)$"), ([1], "expected a word, got a list$"),
    ({"a": 1}, "got a mapping$"),
])
def test_non_words_are_refused_in_words(value, message):
    """Does a value that is no word say what it is, never a Python type's name?"""
    with pytest.raises(AnswerError, match=message):
        to_word(value, {"t": "T", "f": "F"})


@pytest.mark.parametrize(("text", "number"), [
    ("−0.5", -0.5), (" −1e−3 ", -0.001), ("−3/2", -1.5), ("\ufe630.25", -0.25),
    ("\uff0d0.25", -0.25), ("1/−4", -0.25),
])
def test_the_minus_sign_of_pdfs_and_word_is_a_minus(text, number):
    """Is "−0.5" with U+2212 (as pasted from a PDF or Word), or its small or full-width
    form, read as -0.5?"""
    assert to_number(text) == pytest.approx(number)
    assert to_number("−2,056,209", integer=True) == -2056209


@pytest.mark.parametrize(("text", "message"), [
    ("–0.5", "^'–0.5' is not a number$"),  # an en dash: also the dash of ranges
    ("−0,5", r"^'−0,5' is not a number: write the decimal point as a point \(-0\.5\)$"),
])
def test_other_dashes_are_not_minus_signs(text, message):
    """Is an en dash still refused, and is the text quoted as the student wrote it?"""
    with pytest.raises(AnswerError, match=message):
        to_number(text)


def test_grouped_integers_only_for_integer_answers():
    """Is '2,056,209' read for a count but not for a real number?"""
    assert to_number("2,056,209", integer=True) == 2056209
    with pytest.raises(AnswerError):
        to_number("2,056,209")


@pytest.mark.parametrize(("value", "shape", "expected"), [
    ([[1, 2], [3, 4]], (2, 2), [[1, 2], [3, 4]]),
    ([[1], [2]], (2,), [1, 2]),
    ([5], (), 5),
    ([["0.5", "1/2"]], (1, 2), [[0.5, 0.5]]),
])
def test_arrays_and_harmless_reshapes(value, shape, expected):
    """Are vectors written as columns and scalars written as [x] accepted?"""
    np.testing.assert_allclose(to_array(value, shape), expected)


@pytest.mark.parametrize(("value", "shape", "message"), [
    ([[1, 2], [3]], (2, 2), "rows of different lengths"),
    ([1, 2, 3], (2, 2), "expected a 2 x 2 matrix, got a list of 3 numbers"),
    ([1, 2, 3, 4], (2, 2), "expected a 2 x 2 matrix"),
    ([[[[[[1]]]]]], (1,), "nested too deeply"),
    ("1, 0, 0, 1", (4,), r"expected a list of 4 numbers \(a YAML or JSON list, \[1, 2\]\), "
                         r"got text '1, 0, 0, 1'"),
    ({"a": 1}, (2, 2), "expected a 2 x 2 matrix .*got a mapping"),
])
def test_shape_mismatches_are_explained(value, shape, message):
    """Is a wrong shape refused with a message saying what was expected?"""
    with pytest.raises(AnswerError, match=message):
        to_array(value, shape)


def _folder_with(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "subs" / "s1"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return folder


def _refusal(tmp_path, name: str, data: bytes) -> str:
    """Why an answers file of this content is not read (it must not be)."""
    result = read_answers(_folder_with(tmp_path, name, data), tmp_path / "subs")
    assert result.answers is None
    return result.problem


@pytest.mark.parametrize(("name", "data", "message"), [
    ("answers.yaml", b"", "file is empty"),
    ("answers.yaml", b"q1: [1, 2\n", "malformed YAML at line"),
    ("answers.yaml", b"q1:\n\tV: 1\n",
     "at line 2, column 1: found character that cannot start any token (a tab: YAML indents "
     "with spaces only)"),
    ("answers.json", b'{"q1": ', "malformed JSON"),
    ("answers.toml", b"q1 = = 1", "malformed TOML"),
    ("answers.yaml", b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
    ("answers.yaml", b"- 1\n- 2\n", "expected a mapping of question ids"),
    ("answers.yaml", b"a: 2001-13-45\n", "malformed YAML"),
    ("answers.yaml", b"x" * 1_000_001, "too large"),
    ("answers.yaml", b"[" * 100_000, "malformed YAML"),
    ("answers.yaml", b"- " * 400_000 + b"x", "malformed YAML"),
    ("answers.yaml", b"q:\n" + b"".join(b" " * i + b"b:\n" for i in range(1, 1300)),
     "malformed YAML"),
    ("answers.json", b"[" * 100_000, "malformed JSON"),
    ("answers.yaml", BILLION_LAUGHS_YAML, "YAML aliases"),
    ("answers.yaml", codecs.BOM_UTF16_LE + b"q", "not UTF-16 text"),
])
def test_bad_answers_files_become_messages(tmp_path, name, data, message):
    """Does every kind of bad answers file give a message naming it, never an exception?"""
    folder = _folder_with(tmp_path, name, data)
    result = read_answers(folder, tmp_path / "subs")
    assert result.answers is None
    assert message in result.problem and f"s1/{name}" in result.problem
    assert "\n" not in result.problem


@pytest.mark.parametrize(("name", "data", "message"), [
    ("answers.yaml", b"# q1: {V: 1}\n\n# to do\n",
     "the file holds no answers (only comments or blank lines)"),
    ("answers.json", b"null", "the file holds no answers (only null)"),
    ("answers.yaml", b"q1 = 0.5\n",
     "expected a mapping of question ids to parts, got text 'q1 = 0.5'"),
    ("answers.json", b'"' + b"q" * 40 + b'"',
     f"expected a mapping of question ids to parts, got text '{'q' * 30}…'"),
    ("answers.yaml", b"- 1\n- 2\n", "expected a mapping of question ids to parts, got a list"),
    ("answers.json", b"0.25", "expected a mapping of question ids to parts, got a number"),
    ("answers.yaml", b"yes\n", "expected a mapping of question ids to parts, got true"),
    ("answers.yaml", b"2026-12-01\n", "expected a mapping of question ids to parts, got a date"),
])
def test_a_file_that_is_no_mapping_says_what_it_holds(tmp_path, name, data, message):
    """Does a file whose top level is not a mapping say in words what it holds instead?"""
    assert _refusal(tmp_path, name, data) == f"s1/{name}: {message}"


DIGITS_5000 = b"1" * 5000


@pytest.mark.parametrize(("name", "data", "problem"), [
    ("answers.yaml", b"[" * 100_000, "malformed YAML: nested too deeply"),
    ("answers.yaml", b"- " * 400_000 + b"x", "malformed YAML: nested too deeply"),
    ("answers.toml", b"a = " + b"[" * 100_000, "malformed TOML: nested too deeply"),
    ("answers.toml", b"a = " + b"{b=" * 100_000, "malformed TOML: nested too deeply"),
    ("answers.json", b"[" * 100_000, "malformed JSON: nested too deeply"),
    ("answers.yaml", b"q1: {V: " + DIGITS_5000 + b"}\n",
     "malformed YAML: a number with more than 4,300 digits"),
    ("answers.json", b'{"q1": {"V": ' + DIGITS_5000 + b"}}",
     "malformed JSON: a number with more than 4,300 digits"),
    ("answers.toml", b"[q1]\nV = " + DIGITS_5000 + b"\n",
     "malformed TOML: a number with more than 4,300 digits"),
    ("answers.toml", b"[q1]\nV = [[0x" + b"f" * 4000 + b"]]\n",
     "malformed TOML: a number with more than 4,300 digits"),
])
def test_parser_limits_are_told_in_plain_words(tmp_path, name, data, problem):
    """Do nesting past the parser's depth and integers past Python's 4,300 digits say so in
    words, not with Python's advice (recursion depth, sys.set_int_max_str_digits)? A hex
    integer that long is read by TOML without the limit, and used to stop the run where
    results.json is written (YAML now leaves hex as text: see the decimal-numbers test)."""
    assert _refusal(tmp_path, name, data) == f"s1/{name}: {problem}"


@pytest.mark.parametrize("text", ["1" * 5000, "-" + "1" * 5000, "1" * 5000 + "/3",
                                  "1,000" * 1000])
def test_numeric_text_of_5000_digits_is_refused_in_words(text):
    """Is numeric text past Python's 4,300 digits refused without Python's own words?"""
    with pytest.raises(AnswerError) as caught:
        to_number(text, integer=True)
    assert "sys." not in str(caught.value) and "digits" not in str(caught.value)
    assert str(caught.value) == NOT_FINITE or str(caught.value).endswith("is not a number")


@pytest.mark.parametrize(("name", "data", "where"), [
    ("answers.yaml", b"q1:\n  V: 1\n  S: a\x07b\n", "(U+0007) at line 3, column 7"),
    ("answers.yaml", "q1: {V: \"é😀\x07\"}\n".encode(), "(U+0007) at line 1, column 12"),
    ("answers.yaml", b"q1: {V: 1\x7f}\n", "(U+007F) at line 1, column 10"),
    ("answers.json", b'{"q1":\n {"V": "a\x07b"}}', "(U+0007) at line 2, column 10"),
    ("answers.toml", b'[q1]\nV = "a\x07b"\n', "(U+0007) at line 2, column 7"),
    ("answers.toml", b"# a\x01\n[q1]\nV = 1\n", "(U+0001) at line 1, column 4"),
])
def test_a_control_character_is_named_on_one_line(tmp_path, name, data, where):
    """Is a control character (pasted from a PDF, or a file saved as rich text) named with
    its code and place, on one line, in every format?"""
    assert _refusal(tmp_path, name, data) == (f"s1/{name}: a control character {where}; "
                                              "save the file as plain text")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
@pytest.mark.parametrize(("name", "text"), [
    ("answers.yaml", "q1: {V: 0.25}\r\nq2: {s1: T}\r\n"),
    ("answers.json", '{"q1": {"V": 0.25}, "q2": {"s1": "T"}}'),
    ("answers.toml", '[q1]\r\nV = 0.25\r\n[q2]\r\ns1 = "T"\r\n'),
])
def test_windows_encodings_are_read(tmp_path, name, text, encoding):
    """Are files saved by Notepad (UTF-8 with a byte-order mark) or by PowerShell's `>`
    (UTF-16 with one), with Windows line ends, read like plain UTF-8?"""
    if encoding.endswith("-bom"):
        bom = codecs.BOM_UTF16_LE if "-le" in encoding else codecs.BOM_UTF16_BE
        data = bom + text.encode(encoding[:-4])
    else:
        data = text.encode(encoding)
    result = read_answers(_folder_with(tmp_path, name, data), tmp_path / "subs")
    assert result.problem is None
    assert result.answers == {"q1": {"V": 0.25}, "q2": {"s1": "T"}}


def test_aliases_that_reuse_a_value_are_read(tmp_path):
    """Is an alias that only repeats a value once or twice still an ordinary answers file?"""
    folder = _folder_with(tmp_path, "answers.yaml",
                          b"q1: {V: &row [0.1, 0.2], S: *row}\nq2: {W: *row}\n")
    result = read_answers(folder, tmp_path / "subs")
    assert result.problem is None
    assert result.answers == {"q1": {"V": [0.1, 0.2], "S": [0.1, 0.2]}, "q2": {"W": [0.1, 0.2]}}


@pytest.mark.parametrize(("name", "data", "message"), [
    ("answers.yaml", b"backprop: {o1: 1}\nlogic: {gate: AND}\nbackprop: {o1: 2}\n",
     "duplicate key 'backprop' (line 3; first given at line 1)"),
    ("answers.yaml", b"backprop:\n  o1: 1\n  o2: 2\n  o1: 3\n",
     "duplicate key 'o1' (line 4; first given at line 2)"),
    ("answers.yaml", b"backprop: {o1: 1, o1: 2}\n", "duplicate key 'o1' (line 1)"),
    ("answers.yaml", b"true: 1\nTrue: 2\n",
     "duplicate key 'True' (line 2; first given at line 1)"),
    ("answers.json", b'{"backprop": {"o1": 1}, "backprop": {"o1": 2}}',
     "duplicate key 'backprop'"),
    ("answers.json", b'{"backprop": {"o1": 1, "o2": [{"x": 1}], "o1": 2}}',
     "duplicate key 'o1' in 'backprop'"),
    ("answers.json", b'{"q": {"rows": [{"x": 1, "x": 2}]}}', "duplicate key 'x' in 'rows'"),
    ("answers.json", b'{"q": {"x": 1, "x": 2}, "r": [', "duplicate key 'x'"),
])
def test_a_key_given_twice_is_refused(tmp_path, name, data, message):
    """Is a question or a part given twice refused, rather than the last one graded?"""
    assert _refusal(tmp_path, name, data) == f"s1/{name}: {message}"


def test_yaml_keys_on_no_and_yes_are_words_and_yes_as_a_value_is_true(tmp_path):
    """YAML 1.1 reads `on:`, `no:`, `Yes:` as truth values, which would make a part or
    question of that name impossible to answer: are they the words as keys, while `s1: yes`
    stays the truth value a T/F part reads?"""
    folder = _folder_with(tmp_path, "answers.yaml", b"on: {no: 1, Yes: 2}\nq2: {s1: yes}\n")
    result = read_answers(folder, tmp_path / "subs")
    assert result.problem is None
    assert result.answers == {"on": {"no": 1, "Yes": 2}, "q2": {"s1": True}}


def test_yaml_merge_keys_may_override_what_they_bring(tmp_path):
    """Is a part brought in by a merge key (`<<: *base`) and given again not a duplicate?"""
    folder = _folder_with(tmp_path, "answers.yaml",
                          b"base: &b {V: 1, S: 2}\nq1: {<<: *b, S: 3}\nq2:\n  <<: [*b]\n")
    result = read_answers(folder, tmp_path / "subs")
    assert result.problem is None
    assert result.answers["q1"] == {"V": 1, "S": 3} and result.answers["q2"] == {"V": 1, "S": 2}


def test_missing_folder_and_missing_file(tmp_path):
    """Are a missing folder and a folder without an answers file told apart?"""
    (tmp_path / "subs" / "s2").mkdir(parents=True)
    assert "no submission folder" in read_answers(tmp_path / "subs" / "s1",
                                                  tmp_path / "subs").problem
    assert "no answers file" in read_answers(tmp_path / "subs" / "s2", tmp_path / "subs").problem


def test_an_answers_file_named_in_capitals_is_read(tmp_path):
    """Is `Answers.YAML` read as the answers file the student meant?"""
    folder = _folder_with(tmp_path, "Answers.YAML", b"q1: {V: 1}\n")
    result = read_answers(folder, tmp_path / "subs")
    assert result.problem is None and result.answers == {"q1": {"V": 1}}


@pytest.mark.parametrize(("names", "graded", "note"), [
    (["answers.json", "answers.yaml"], "answers.yaml",
     "s1/ also holds answers.json, which was not graded: only answers.yaml was"),
    (["answers.toml", "Answers.JSON", "answers.yml"], "answers.yml",
     "s1/ also holds Answers.JSON and answers.toml, which were not graded: only answers.yml was"),
    (["Answers.yaml", "answers.yaml"], "answers.yaml",
     "s1/ also holds Answers.yaml, which was not graded: only answers.yaml was"),
    (["answers.toml"], "answers.toml", None),
])
def test_a_second_answers_file_is_named_not_guessed_at(tmp_path, names, graded, note):
    """With two answers files, is the first in the documented order (yaml, yml, json, toml)
    graded and the other named in a note for the feedback, rather than ignored silently?"""
    folder = tmp_path / "subs" / "s1"
    folder.mkdir(parents=True)
    for name in names:  # each file gives the length of its name, to tell which was read
        text = {".json": '{"q1": {"V": N}}', ".toml": "[q1]\nV = N\n"}.get(
            Path(name).suffix.lower(), "q1: {V: N}\n")
        (folder / name).write_text(text.replace("N", str(len(name))))
    result = read_answers(folder, tmp_path / "subs")
    assert result.problem is None and result.path.name == graded
    assert result.answers == {"q1": {"V": len(graded)}}
    if note is None:
        assert result.note is None
    else:
        assert result.note == (f"{note} (answers.yaml, .yml, .json, .toml are read in that "
                               f"order); keep one answers file")


@pytest.mark.parametrize("place", ["answers.yaml.txt", "answer.json", "hw3/answers.yaml"])
def test_a_misnamed_or_misplaced_answers_file_is_pointed_out(tmp_path, place):
    """Is a file that looks like the answers file named in the message, to be fixed?"""
    folder = tmp_path / "subs" / "s1"
    (folder / place).parent.mkdir(parents=True)
    (folder / place).write_text("q1: {V: 1}\n")
    result = read_answers(folder, tmp_path / "subs")
    assert result.answers is None
    assert "no answers file in s1/" in result.problem
    assert f"found {place}: rename or move it" in result.problem


def test_links_leaving_the_folder_are_refused(tmp_path):
    """Is an answers file or a folder that links outside the submissions refused unread?"""
    secret = tmp_path / "secret.yaml"
    secret.write_text("q1: {V: 1}\n")
    folder = tmp_path / "subs" / "s1"
    folder.mkdir(parents=True)
    (folder / "answers.yaml").symlink_to(secret)
    result = read_answers(folder, tmp_path / "subs")
    assert result.answers is None and "outside" in result.problem
    (tmp_path / "subs" / "s2").symlink_to(tmp_path, target_is_directory=True)
    result = read_answers(tmp_path / "subs" / "s2", tmp_path / "subs")
    assert result.answers is None and "outside" in result.problem


def test_yaml_tags_are_not_executed(tmp_path):
    """Is a YAML tag that would run code refused rather than executed?"""
    marker = tmp_path / "ran"
    payload = f"q1: !!python/object/apply:os.system ['touch {marker}']\n".encode()
    folder = _folder_with(tmp_path, "answers.yaml", payload)
    result = read_answers(folder, tmp_path / "subs")
    assert result.answers is None and "malformed YAML" in result.problem
    assert not marker.exists()


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "s1").mkdir()
    return root


@settings(max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
       suffix=st.sampled_from(["yaml", "json", "toml"]))
def test_parser_never_crashes_on_arbitrary_bytes(fuzz_root, data, suffix):
    """Does any content of any answers file give answers or a one-line message, never an
    exception?"""
    folder = fuzz_root / "s1"
    for old in folder.iterdir():
        old.unlink()
    (folder / f"answers.{suffix}").write_bytes(data)
    result = read_answers(folder, fuzz_root)
    assert (result.answers is None) != (result.problem is None)
    assert result.problem is None or "\n" not in result.problem


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.integers(min_value=-(2**1100), max_value=2**1100),  # past float's range too
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=20)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(value=JSON_VALUES,
       expected=st.sampled_from([0.5, np.zeros(3), np.zeros((2, 3)), np.int64(4),
                                 np.array([0, 1, 1, 0]), "AND", "T"]))
def test_coercion_never_crashes(value, expected):
    """Does coercing any JSON-like value give a value or a reason, never an exception?"""
    reading = read_given(value, expected, {"and": "AND", "t": "T", "f": "F"})
    assert (reading.problem is None) != (reading.value is None)


any_float = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=3000, deadline=None)
@given(given_value=any_float, expected=any_float,
       allowance=st.none() | st.floats(0, 10) | st.just(0.0))
def test_one_number_matches_alike_as_float_0d_array_and_vector(given_value, expected,
                                                                allowance):
    """One number is compared without numpy whether the key holds a float or a 0-d array
    (both occur); the verdict must be the vector path's for the same number."""
    allowed = None if allowance is None else np.float64(allowance)
    as_vector = bool(matches(np.array([given_value]), np.array([expected]),
                             None if allowed is None else np.array([allowance]))[0])
    assert bool(matches(given_value, expected, allowed)) == as_vector
    assert bool(matches(given_value, np.array(expected), allowed)) == as_vector


@pytest.mark.parametrize("nested", [False, True], ids=["c-loader", "python-loader"])
def test_yaml_reads_only_decimal_numbers(nested):
    """YAML 1.1 reads `1:30` as 90 (base 60), `0x10` as 16 and `017` as 15 (octal): does each
    stay the text the student wrote, so that `1:30` is refused and `017` is read as 17? Deep
    nesting sends the file to the pure-Python loader, which must read it the same way."""
    from grader.datafiles import parse_data_text

    text = ("a: 1:30\nb: 0x10\nc: 017\nd: 0b11\ne: 1_000\nf: -0.5\ng: .5\nh: 1.5e-3\n"
            "i: 0\nj: +3\nk: 1.0e+3\nl: 1e-8\nm: -2E3\nn: .5e1\no: 1.5e3\n")
    if nested:
        text += "deep: " + "[" * 250 + "]" * 250 + "\n"
    document = parse_data_text(text, ".yaml", "answers.yaml")
    assert {key: document[key] for key in "abcdefghijklmno"} == {
        "a": "1:30", "b": "0x10", "c": "017", "d": "0b11", "e": 1000, "f": -0.5, "g": 0.5,
        "h": 0.0015, "i": 0, "j": 3, "k": 1000.0, "l": 1e-8, "m": -2000.0, "n": 5.0,
        "o": 1500.0}
    assert all(type(document[key]) is float for key in "lmno")
    assert to_number(document["c"]) == 17.0
    with pytest.raises(AnswerError, match="'1:30' is not a number"):
        to_number(document["a"])


def test_a_folder_linked_to_another_students_is_refused(tmp_path):
    """s2 -> s1 inside the submissions: is s2 refused, instead of graded with s1's answers?"""
    subs = tmp_path / "subs"
    (subs / "s1").mkdir(parents=True)
    (subs / "s1" / "answers.yaml").write_text("q1: {V: 1}\n")
    (subs / "s2").symlink_to(subs / "s1", target_is_directory=True)
    result = read_answers(subs / "s2", subs)
    assert result.answers is None and result.refused_folder
    assert result.problem == ("s2/ is a link to s1/ in the submissions folder; a student's "
                              "folder must be their own, not a link")
    assert read_answers(subs / "s1", subs).answers == {"q1": {"V": 1}}
