"""`grader grade` where the instructor's own paths go wrong: a --variants folder with no
manifests, the output folder inside SUBMISSIONS, an output place that cannot be written, and
folder names that are not UTF-8."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.grader.test_grade_cli import _class

HONEST = ("answers.yaml", b"q2: {s1: T}\n")


def _grade(*args) -> object:
    return CliRunner().invoke(main, ["grade", *map(str, args)])


@pytest.mark.parametrize("given", ["variants", "nowhere"])
def test_a_variants_folder_without_manifests_stops_the_run(tmp_path, given):
    """Is a mistyped --variants (the variants/ folder itself, or a path that is not there)
    refused in one line, instead of grading the class against numbers drawn afresh?"""
    assignment, roster, subs = _class(tmp_path, {"a": HONEST})
    generated = tmp_path / "gen"
    made = CliRunner().invoke(main, ["generate", str(assignment), "--roster", str(roster),
                                     "--out", str(generated), "--no-pdf"])
    assert made.exit_code == 0, made.output
    variants = generated / given
    result = _grade(assignment, subs, "--out", tmp_path / "out", "--roster", roster,
                    "--variants", variants)
    assert result.exit_code == 1
    assert f"{variants}: no variants manifests" in result.output
    if given == "variants":
        assert f"give the folder above it, {generated}" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
    right = _grade(assignment, subs, "--out", tmp_path / "out", "--roster", roster,
                   "--variants", generated)
    assert right.exit_code == 0, right.output


@pytest.mark.parametrize("with_roster", [False, True])
def test_an_output_folder_inside_submissions_is_no_student(tmp_path, with_roster):
    """Rerunning with --out inside SUBMISSIONS: is the previous output neither graded as a
    student nor listed as a folder with no student?"""
    assignment, roster, subs = _class(tmp_path, {"a": HONEST, "b": HONEST})
    args = [assignment, subs, "--out", subs / "graded"] + (["--roster", roster]
                                                           if with_roster else [])
    for _ in range(2):
        result = _grade(*args)
        assert result.exit_code == 0, result.output
    assert "graded 2 students" in result.output and "graded," not in result.output
    assert "folders with no student" not in result.output
    results = json.loads((subs / "graded" / "results.json").read_text())
    assert sorted(results["students"]) == ["a", "b"]


def test_an_output_place_the_system_refuses_is_one_line(tmp_path):
    """An output folder where the file system allows no writing (here /proc, refused even
    to root): one line naming the output, not a grader bug."""
    assignment, roster, subs = _class(tmp_path, {"a": HONEST})
    result = _grade(assignment, subs, "--out", "/proc/graded", "--roster", roster)
    assert result.exit_code == 1
    assert "/proc/graded: cannot write the outputs there" in result.output
    assert "internal error" not in result.output


def test_an_output_under_a_file_is_one_line(tmp_path):
    """A file where the output's parent folder should be (the file system refuses as it
    would a read-only place): one line naming the output, not a grader bug."""
    assignment, roster, subs = _class(tmp_path, {"a": HONEST})
    (tmp_path / "afile").write_text("not a folder")
    result = _grade(assignment, subs, "--out", tmp_path / "afile" / "graded", "--roster",
                    roster)
    assert result.exit_code == 1
    assert (f"{tmp_path / 'afile' / 'graded'}: cannot be made, as {tmp_path / 'afile'} is a "
            "file, not a folder") in result.output
    assert "internal error" not in result.output


def test_a_folder_name_that_is_not_utf8_is_listed_not_fatal(tmp_path):
    """A folder unzipped from an archive with Latin-1 names (`Jos\\xe9`): is the class graded
    and the folder listed, its odd byte escaped, in the closing lines and the outputs?"""
    assignment, roster, subs = _class(tmp_path, {"a": HONEST})
    os.mkdir(os.fsencode(subs) + b"/Jos\xe9")
    for extra in ([], ["--roster", roster]):
        out = tmp_path / f"out{len(extra)}"
        result = _grade(assignment, subs, "--out", out, *extra)
        assert result.exit_code == 0, result.output
        assert "Jos\\xe9" in result.output
        assert "Jos\\xe9" in (out / "summary.html").read_text(encoding="utf-8")
        assert json.loads((out / "integrity.json").read_text())["unknown_folders"] == \
            ["Jos\\xe9"]
        assert sorted(json.loads((out / "results.json").read_text())["students"]) == ["a"]


def test_a_folder_name_with_a_newline_is_no_student(tmp_path):
    """`x01\\n` (a name a script can make) is not taken for student x01, nor written into
    file names and gradebooks; it is listed as a stray, its newline shown escaped."""
    assignment, _roster, subs = _class(tmp_path, {"x01": HONEST})
    (subs / "x01\n").mkdir()
    (subs / "x01\n" / HONEST[0]).write_bytes(HONEST[1])
    result = _grade(assignment, subs, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "folders with no student: x01\\n" in result.output
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert sorted(results["students"]) == ["x01"]


def test_inputs_inside_the_output_folder_are_refused_before_anything_is_lost(tmp_path):
    """SUBMISSIONS kept inside --out (a late batch in graded/late): grading replaces --out
    whole, so is the run refused, with the late batch still there?"""
    assignment, roster, subs = _class(tmp_path, {"a": HONEST})
    out = tmp_path / "graded"
    assert _grade(assignment, subs, "--out", out, "--roster", roster).exit_code == 0
    late = out / "late"
    shutil.copytree(subs, late)
    result = _grade(assignment, late, "--out", out, "--roster", roster)
    assert result.exit_code == 1
    assert f"{late}: SUBMISSIONS lies inside the output folder {out}" in result.output
    assert (late / "a" / HONEST[0]).is_file()


def test_files_the_run_did_not_write_stop_the_swap(tmp_path):
    """NOTES.txt put into a previous --out: is the rerun refused, naming it, and kept?"""
    assignment, roster, subs = _class(tmp_path, {"a": HONEST})
    out = tmp_path / "graded"
    assert _grade(assignment, subs, "--out", out, "--roster", roster).exit_code == 0
    before = (out / "results.json").read_bytes()
    (out / "NOTES.txt").write_text("grade s03 by hand\n")
    result = _grade(assignment, subs, "--out", out, "--roster", roster)
    assert result.exit_code == 1
    assert f"{out}: holds NOTES.txt, which this command does not write" in result.output
    assert (out / "NOTES.txt").read_text() == "grade s03 by hand\n"
    assert (out / "results.json").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".graded.")]
    (out / "NOTES.txt").unlink()
    assert _grade(assignment, subs, "--out", out, "--roster", roster).exit_code == 0


def test_folders_a_killed_run_left_are_named_not_removed(tmp_path):
    """kill -9 cannot be caught: the next run must name what it left beside --out (it may
    also be a run still writing, so it is not removed), and say what to do with it."""
    assignment, roster, subs = _class(tmp_path, {"a": HONEST})
    out = tmp_path / "graded"
    staging = tmp_path / ".graded.staging-k1ll3d"
    previous = tmp_path / ".graded.previous-k1ll3d"
    (staging / "feedback").mkdir(parents=True)
    (previous / "out").mkdir(parents=True)
    (tmp_path / ".other.staging-x").mkdir()  # another output folder's: not this run's
    result = _grade(assignment, subs, "--out", out, "--roster", roster)
    assert result.exit_code == 0, result.output
    assert (f"warning: {staging} is the unfinished output of a grade run that was killed "
            f"(kill -9) or is still running; once no run is writing {out}, delete it"
            in result.output)
    assert f"warning: {previous} holds the outputs of {out} before a run" in result.output
    assert ".other.staging" not in result.output
    assert staging.is_dir() and previous.is_dir() and (out / "results.json").is_file()


@pytest.mark.parametrize(("signal_name", "whole_group"), [
    ("SIGTERM", False),  # a plain `kill PID`, a job scheduler's time limit
    ("SIGINT", True),  # Ctrl-C: the terminal signals every process of the run
])
def test_a_stopped_run_leaves_nothing_behind(tmp_path, signal_name, whole_group):
    """Stopped while the workers grade and write feedback (a class big enough for the pool):
    does the run end at once without a traceback from any process, remove its half-built
    staging folder, leave no worker running, and keep the previous output as it was?"""
    import signal
    import subprocess
    import sys
    import time

    assignment, roster, subs = _class(tmp_path, {f"t{i:04d}": HONEST for i in range(800)})
    out = tmp_path / "graded"
    command = [sys.executable, "-m", "grader", "grade", str(assignment), str(subs),
               "--out", str(out), "--roster", str(roster)]
    subprocess.run(command, check=True, capture_output=True)
    before = (out / "results.json").read_bytes()
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           start_new_session=True)
    deadline = time.monotonic() + 60
    while (not list(tmp_path.glob(".graded.staging-*/feedback/*"))
           and time.monotonic() < deadline):
        time.sleep(0.01)
    number = getattr(signal, signal_name)
    if whole_group:
        os.killpg(run.pid, number)
    else:
        run.send_signal(number)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode != 0
    assert "Traceback" not in stderr.decode() and "Process" not in stderr.decode()
    assert not list(tmp_path.glob(".graded.*"))
    assert (out / "results.json").read_bytes() == before
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the workers are in the run's process group
        try:
            os.killpg(run.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("a worker process was left running")


def test_an_assignment_changed_after_generate_is_warned_about(tmp_path):
    """Fixed params edited after the variants were issued: is each changed question named in
    a warning, while the class is graded on the numbers issued (as SPEC says)?"""
    import yaml

    assignment, roster, subs = _class(tmp_path, {"a": HONEST, "b": HONEST})
    generated = tmp_path / "gen"
    made = CliRunner().invoke(main, ["generate", str(assignment), "--roster", str(roster),
                                     "--out", str(generated), "--no-pdf"])
    assert made.exit_code == 0, made.output
    args = [assignment, subs, "--roster", roster, "--variants", generated]
    same = _grade(*args, "--out", tmp_path / "same")
    assert same.exit_code == 0 and "warning" not in same.output
    document = yaml.safe_load(assignment.read_text())
    document["questions"][0]["randomize"] = {"rows": 2, "cols": 2}
    assignment.write_text(yaml.safe_dump(document))
    changed = _grade(*args, "--out", tmp_path / "changed")
    assert changed.exit_code == 0, changed.output
    assert "warning: question 'q1': the assignment no longer gives the numbers issued" \
        in changed.output
    assert "question 'q2'" not in changed.output
    issued = json.loads((generated / "variants" / "a.json").read_text())["q1"]["params"]
    graded = json.loads((tmp_path / "changed" / "results.json").read_text())
    assert len(graded["students"]["a"]["questions"]["q1"]["parts"]["W"]["expected"]) \
        == len(issued["W"]) == 1

