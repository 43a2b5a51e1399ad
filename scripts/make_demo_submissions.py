"""Write the bundled sample submissions in submissions/ from the demo assignment's variants.

Each sample student behaves in a documented way (exact work, hand rounding, catalogued
mistakes, follow-through, an answer copied from another variant, missing and malformed
files), so `grader demo` exercises every path of grading. Run it again after a change to a
family's sampler:  .venv/bin/python scripts/make_demo_submissions.py
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.assignment import load_assignment  # noqa: E402
from grader.simulate import simulated_answers, to_decimals, to_sig_figs  # noqa: E402
from grader.variants import draw_student  # noqa: E402

ASSIGNMENT = REPO / "demo" / "assignment.yaml"
SUBMISSIONS = REPO / "submissions"
FORECASTER = REPO / "demo" / "forecaster"

# The forecaster: who hands in what (files copied from demo/forecaster/, claims as made there).
FORECASTER_PLANS = {
    "s01": {"files": ("model.safetensors", "predictions.csv"), "claims": {}},
    "s02": {"files": (), "claims": {}},
    "s03": {"files": ("model.pt",), "claims": {}},
    "s05": {"files": ("model.safetensors",),
            "claims": {"param_count": 2052625, "test_mse": 0.09}},
}

# Per student: question id -> how that student answers it (default: exact to 4 decimals).
PLANS = {
    "s01": {},
    "s02": {"*": "round3"},
    "s03": {"adam": "update_sign", "backprop": "loss_grad_sign", "gru": "sigmoid_sign_flipped"},
    "s04": {"lstm": "stale_hidden_state", "gru": "update_convention_swapped",
            "vanishing": "root_not_taken", "*": "sig3"},
    "s05": {"lstm": "follow_through_h_1", "logic": "negated_output", "stacked": "gate_factor",
            "adam": "follow_through_V"},
    "s06": {"adam": "copy:s01", "lstm": "copy:s01"},
    "s09": {"backprop": "junk", "adam": "wrong_shape", "concepts": "words"},
    "s10": {"lstm": "h_without_tanh", "rnnlm": "forgot_embedding", "concepts": "words"},
}


def rounded(answers: dict, decimals: int = 4) -> dict:
    """Numbers as a student writes them: floats to a few decimals, the rest as they are."""
    def one(value):
        if isinstance(value, float):
            return round(value, decimals)
        if isinstance(value, list):
            return [one(entry) for entry in value]
        return value
    return {part: one(value) for part, value in answers.items()}


def answer(question, params: dict, plan: str, variants_of: dict) -> dict:
    family = question.family
    if plan.startswith("copy:"):
        other = variants_of[plan.split(":", 1)[1]][question.id].params
        return rounded(simulated_answers(family, other))
    if plan == "round3":
        return simulated_answers(family, params, rounding=to_decimals(3))
    if plan == "sig3":
        return simulated_answers(family, params, rounding=to_sig_figs(3))
    if plan.startswith("follow_through_"):
        part = plan.removeprefix("follow_through_")
        graph = family.build(family.parse(params))
        wrong = np.asarray(graph.evaluate()[part], dtype=float) + 0.2
        env = graph.evaluate({part: wrong})
        return rounded({p: np.asarray(env[p]).tolist() for p in graph.parts()})
    if plan == "junk":
        exact = rounded(simulated_answers(family, params))
        first, second, *_ = exact
        return {**exact, first: "about a half", second: float("nan")}
    if plan == "wrong_shape":
        exact = rounded(simulated_answers(family, params))
        return {**exact, "V": exact["V"][0], "S": [[1, 2], [3]]}
    if plan == "words":
        exact = simulated_answers(family, params)
        spellings = {"T": ["true", "Yes", "t"], "F": ["FALSE", "no", "f"]}
        return {part: spellings[value][i % 3] for i, (part, value) in enumerate(exact.items())}
    if plan in {m.id for m in family.mistakes}:
        return rounded(simulated_answers(family, params, plan))
    return rounded(simulated_answers(family, params))


def forecaster_hand_in(folder: Path, plan: dict) -> dict:
    """Copy the demo model's files into the folder; return the (maybe altered) claims."""
    for name in plan["files"]:
        if name == "model.pt":
            # A pickled checkpoint: grading must refuse it unopened, so any bytes will do.
            (folder / name).write_bytes(b"\x80\x04\x95 not a real checkpoint")
        else:
            shutil.copyfile(FORECASTER / name, folder / name)
    claims = yaml.safe_load((FORECASTER / "claims.yaml").read_text())
    return {**claims, **plan["claims"]}


def main() -> None:
    assignment = load_assignment(ASSIGNMENT)
    students = [line.split(",", 1)[0] for line in
                (REPO / "demo" / "roster.csv").read_text().splitlines()[1:]]
    variants_of = {sid: draw_student(assignment, sid) for sid in students}
    shutil.rmtree(SUBMISSIONS, ignore_errors=True)
    SUBMISSIONS.mkdir()
    for sid, plan in PLANS.items():
        folder = SUBMISSIONS / sid
        folder.mkdir()
        answers = {}
        for question in assignment.questions:
            if question.family.name == "forecaster":
                if sid in FORECASTER_PLANS:
                    answers[question.id] = forecaster_hand_in(folder, FORECASTER_PLANS[sid])
                continue
            how = plan.get(question.id, plan.get("*", "exact"))
            answers[question.id] = answer(question, variants_of[sid][question.id].params, how,
                                          variants_of)
        if sid == "s10":
            (folder / "answers.json").write_text(json.dumps(answers, indent=1) + "\n")
        else:
            text = yaml.safe_dump(answers, sort_keys=False, default_flow_style=None, width=100)
            (folder / "answers.yaml").write_text(text.replace(".nan", "nan"))
    (SUBMISSIONS / "s07").mkdir()
    (SUBMISSIONS / "s07" / "writeup.txt").write_text("I worked it out on paper, see attached.\n")
    (SUBMISSIONS / "s08").mkdir()
    (SUBMISSIONS / "s08" / "answers.yaml").write_text("adam:\n  V: [[0.1, 0.2], [0.3\n  S: oops\n")
    (SUBMISSIONS / "s99-not-enrolled").mkdir()
    (SUBMISSIONS / "s99-not-enrolled" / "answers.yaml").write_text("adam: {}\n")
    print(f"wrote {len(list(SUBMISSIONS.iterdir()))} folders in {SUBMISSIONS}")


if __name__ == "__main__":
    main()
