"""The problem bank: one module per exercise family, registered here by name."""

from __future__ import annotations

from grader.errors import UnknownFamilyError
from grader.family import Family
from problems import (
    adam_update,
    backprop,
    forecaster,
    gru_forward,
    logic_net,
    lstm_concepts,
    lstm_forward,
    param_count,
    rnn_gradient,
)

MODULES = (adam_update, logic_net, backprop, lstm_forward, gru_forward, param_count,
           rnn_gradient, lstm_concepts, forecaster)
"""Every family module, listed by hand so the registry is easy to read and to grep."""

FAMILIES: dict[str, Family] = {module.FAMILY.name: module.FAMILY for module in MODULES}


def get_family(name: str) -> Family:
    """The family of that name, or UnknownFamilyError listing the known names."""
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(sorted(FAMILIES))
        raise UnknownFamilyError(f"unknown family '{name}' (known: {known})") from None
