"""lstm_concepts: true/false statements about LSTM, GRU and RNN behaviour, with reasons."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from grader.errors import ParamError
from grader.family import Claim, Family
from grader.graph import Graph, Step
from grader.params import Items, Params, ParamSpec
from grader.values import latex_escape

TRUE, FALSE = "T", "F"
DEFAULT_COUNT = 4


@dataclass(frozen=True)
class Statement:
    """One statement of the bank: a stable id, its text, its truth value and why."""

    id: str
    text: str
    truth: bool
    reason: str

    @property
    def answer(self) -> str:
        return TRUE if self.truth else FALSE


_BANK = (
    # The course's four, worded exactly as the homework poses them.
    Statement("zero_input", "If x_t is the zero vector, then h_t = h_{t-1}.", False,
              "The biases and U h_{t-1} still act on the gates and the candidate."),
    Statement("small_forget_gate", "If f_t is very small or zero, the error will not be "
              "back-propagated to earlier time steps.", False,
              "h_{t-1} still reaches the loss through the gates and the candidate; only the "
              "cell path is cut."),
    Statement("gates_nonnegative", "The entries of f_t, i_t and o_t are non-negative.", True,
              "They are sigmoid outputs, which lie between 0 and 1."),
    Statement("gates_distributions", "f_t, i_t and o_t can be viewed as probability "
              "distributions.", False,
              "Each entry lies between 0 and 1, but the entries need not sum to 1."),
    Statement("hidden_bounded", "Every entry of an LSTM's hidden state h_t lies strictly "
              "between -1 and 1.", True,
              "h_t = o_t * tanh(c_t): a factor in (0, 1) times a factor in (-1, 1)."),
    Statement("cell_bounded", "Every entry of an LSTM's cell state c_t lies between -1 and 1.",
              False, "c_t = f_t * c_{t-1} + i_t * c_tilde_t adds up over steps and can grow "
              "past 1."),
    Statement("candidate_bounded", "Every entry of the LSTM candidate c_tilde_t lies between "
              "-1 and 1.", True, "The candidate is a tanh output."),
    Statement("cell_copied", "If f_t = 1 and i_t = 0, then c_t = c_{t-1}.", True,
              "c_t = f_t * c_{t-1} + i_t * c_tilde_t reduces to c_{t-1}."),
    Statement("output_gate_closed", "If every entry of o_t were zero, h_t would be zero "
              "whatever c_t is.", True, "h_t = o_t * tanh(c_t)."),
    Statement("input_gate_closed", "If i_t is zero, the input x_t has no effect on c_t.", False,
              "x_t still acts through the forget gate f_t, which scales c_{t-1}."),
    Statement("sigmoid_reaches_zero", "The sigmoid function equals 0 for some real input z.",
              False, "sigma(z) = 1/(1 + e^(-z)) > 0 for every real z; it only approaches 0 as "
              "z goes to minus infinity."),
    Statement("lstm_output_is_cell", "The output of an LSTM at step t is its cell state c_t.",
              False, "The output is h_t = o_t * tanh(c_t); c_t stays inside the cell."),
    Statement("additive_cell_path", "The additive cell update lets gradients flow over many "
              "steps when f_t is close to 1.", True,
              "dc_t/dc_{t-1} along the cell path is f_t, so it shrinks little when f_t is "
              "near 1."),
    Statement("lstm_no_vanishing", "LSTMs eliminate vanishing gradients completely.", False,
              "They only mitigate them: with f_t below 1 the cell path still decays, and the "
              "other paths can vanish."),
    Statement("forget_bias_positive", "Initialising the forget-gate bias to a positive value "
              "such as 1 helps an LSTM keep information early in training.", True,
              "It starts f_t near 1, so the cell keeps its content and gradients pass."),
    Statement("lstm_four_blocks", "An LSTM layer has four times as many parameters as a "
              "vanilla RNN layer of the same input and hidden sizes and bias convention.", True,
              "It has three gates and a candidate, each with the RNN's weights and biases."),
    Statement("gru_has_cell", "A GRU keeps a separate cell state besides its hidden state.",
              False, "A GRU has only h_t; its update gate mixes h_{t-1} and the candidate "
              "directly."),
    Statement("gru_three_quarters", "A GRU layer has three quarters of the parameters of an "
              "LSTM layer of the same input and hidden sizes and bias convention.", True,
              "It has three weight blocks (update, reset, candidate) where the LSTM has four."),
    Statement("gru_reset_closed", "If the GRU reset gate r_t is zero, the candidate "
              "h_tilde_t does not depend on h_{t-1}.", True,
              "r_t multiplies h_{t-1} (or U_h h_{t-1}) inside the candidate, removing it."),
    Statement("rnn_weights_shared", "A vanilla RNN uses the same weight matrices at every "
              "time step.", True, "The recurrence applies one cell, with one set of weights, "
              "at each step."),
    Statement("rnn_params_grow", "The number of parameters of an RNN grows with the length of "
              "the input sequence.", False,
              "The weights are shared across steps, so the count does not depend on the "
              "length."),
    Statement("small_singular_value", "In a tanh RNN whose recurrent matrix has largest "
              "singular value below 1, gradients over long time spans vanish.", True,
              "Each step multiplies the gradient by at most that value times tanh' <= 1."),
    Statement("clipping_vanishing", "Gradient clipping fixes vanishing gradients.", False,
              "Clipping only caps large gradients, so it addresses exploding ones."),
    Statement("bidirectional_online", "A bidirectional RNN can give its output at step t "
              "before the rest of the sequence has arrived.", False,
              "Its backward direction needs the inputs after step t."),
)

STATEMENTS: Mapping[str, Statement] = MappingProxyType({s.id: s for s in _BANK})
"""The bank, by id, in a fixed order (the course's four first)."""

_TRUTH_WORDS = {word: TRUE for word in ("true", "t", "yes", "y", "1")} | {
    word: FALSE for word in ("false", "f", "no", "n", "0")}


def parse_truth(text: Any) -> str | None:
    """'T' or 'F' for true/false, t/f, yes/no, y/n or 1/0 in any case; None for anything else.

    YAML and JSON answers files may already hold a boolean or the integers 1 and 0.
    """
    if isinstance(text, bool):
        return TRUE if text else FALSE
    if isinstance(text, int | np.integer) and text in (0, 1):
        return TRUE if text == 1 else FALSE
    if not isinstance(text, str):
        return None
    return _TRUTH_WORDS.get(text.strip().lower())


def _statement_id(raw: Any, label: str) -> str:
    if not isinstance(raw, str):
        raise ParamError(label, f"expected a statement id (text), got {raw!r}")
    if raw not in STATEMENTS:
        raise ParamError(label, f"unknown statement id '{raw}' (known: "
                                f"{', '.join(STATEMENTS)})")
    return raw


def _check_distinct(params: Params) -> None:
    seen = set()
    for index, statement_id in enumerate(params["statements"]):
        if statement_id in seen:
            raise ParamError(f"statements[{index}]", f"statement '{statement_id}' is "
                                                     "posed twice")
        seen.add(statement_id)


PARAMS = ParamSpec(
    fields=(
        Items(name="statements", item=_statement_id, item_doc="statement ids from the bank",
              doc="the statements posed, in order (parts s1, s2, ...)"),
    ),
    check=_check_distinct,
)

MISTAKES = ()
"""No catalogued mistakes: a wrong truth value is simply wrong; the reason is the feedback."""

CANONICAL = {"statements": ["zero_input", "small_forget_gate", "gates_nonnegative",
                            "gates_distributions"]}


def _answer(value: str):
    return lambda: value


@functools.cache
def _text(words: str) -> str:
    """Words as LaTeX \\text for a step's substitution (escaped once per process: the bank
    is fixed and every student's graph prints the same statements)."""
    # Substitutions are string.Template text: a literal dollar must be doubled.
    return (r"\text{" + latex_escape(words) + "}").replace("$", "$$")


@functools.cache
def _statement_rule(text: str) -> str:
    """A statement as its step's rule, LaTeX \\text (escaped once per process, as `_text`)."""
    return r"\text{" + latex_escape(text) + "}"


def build(params: Params) -> Graph:
    """One part per statement: its truth value, with the reason as the worked step.

    The steps' rule and substitution (statement and reason in \\text) serve feedback and
    `grader solve --steps`; the LaTeX documents print them from claims() instead. The label is
    neutral: labels are printed in the assignment, the reason gives the answer.
    """
    steps = []
    for k, statement_id in enumerate(params["statements"], start=1):
        statement = STATEMENTS[statement_id]
        steps.append(Step(f"s{k}", (), _answer(statement.answer),
                          _statement_rule(statement.text),
                          _text(statement.reason), kind="statement",
                          label=f"statement {k}: true or false"))
    return Graph({}, tuple(steps))


def claims(params: Params) -> dict[str, Claim]:
    """Each part's statement, truth value and reason, for the question and the answer key."""
    posed = (STATEMENTS[statement_id] for statement_id in params["statements"])
    return {f"s{k}": Claim(statement.text, statement.truth, statement.reason)
            for k, statement in enumerate(posed, start=1)}


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """k distinct statements in random order, at least one true and one false when k >= 2."""
    count = settings.get("count", DEFAULT_COUNT)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(_BANK):
        raise ParamError("count", f"randomization setting expects a whole number from 1 to "
                                  f"{len(_BANK)}, got {count!r}")
    true_ids = [s.id for s in _BANK if s.truth]
    false_ids = [s.id for s in _BANK if not s.truth]
    chosen = []
    if count >= 2:
        chosen = [true_ids[int(rng.integers(len(true_ids)))],
                  false_ids[int(rng.integers(len(false_ids)))]]
    rest = [s.id for s in _BANK if s.id not in chosen]
    chosen += [rest[int(i)] for i in rng.choice(len(rest), size=count - len(chosen),
                                                replace=False)]
    return {"statements": [chosen[int(i)] for i in rng.permutation(count)]}


FAMILY = Family(
    name="lstm_concepts",
    title="True or false: LSTM, GRU and RNN behaviour",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="lstm_concepts.tex.j2",
    mistakes=MISTAKES,
    sample_settings={"count": f"number of statements drawn ({DEFAULT_COUNT})"},
    words=_TRUTH_WORDS,
    claims=claims,
)
