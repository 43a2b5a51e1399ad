"""Parameter fields: shapes bound by name across fields, with messages that say which."""

from __future__ import annotations

import pytest

from grader.errors import ParamError
from grader.params import ParamSpec, Tensor

SPEC = ParamSpec((Tensor(name="W", doc="input weights", dims=("H", "D")),
                  Tensor(name="U", doc="recurrent weights", dims=("H", "H")),
                  Tensor(name="b", doc="bias", dims=("H",))))


def test_names_bind_to_the_first_size_seen_and_later_fields_must_agree():
    params = SPEC.parse({"W": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                         "U": [[0.1, 0.2], [0.3, 0.4]], "b": [0.0, 1.0]})
    assert dict(params.dims) == {"H": 2, "D": 3}
    with pytest.raises(ParamError) as refused:
        SPEC.parse({"W": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "U": [[0.1, 0.2], [0.3, 0.4]],
                    "b": [0.0, 1.0, 2.0]})
    assert str(refused.value) == ("parameter 'b': expected shape (H=2), got (3) "
                                  "(H=2 as set by 'W')")


def test_a_square_field_must_be_square_even_when_it_binds_the_name():
    """U alone, H unbound: its first axis binds H = 2, and its second must agree."""
    spec = ParamSpec((Tensor(name="U", doc="", dims=("H", "H")),
                      Tensor(name="b", doc="", dims=("H",))))
    assert dict(spec.parse({"U": [[1.0, 2.0], [3.0, 4.0]], "b": [1.0, 2.0]}).dims) == {"H": 2}
    with pytest.raises(ParamError) as refused:
        spec.parse({"U": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "b": [1.0, 2.0]})
    assert str(refused.value) == ("parameter 'U': expected shape (H=2, H=2), got (2, 3) "
                                  "(H=2 as set by 'U')")


def test_fixed_sizes_are_checked():
    spec = ParamSpec((Tensor(name="w", doc="", dims=(2,)),))
    with pytest.raises(ParamError, match=r"^parameter 'w': expected shape \(2\), got \(3\)$"):
        spec.parse({"w": [1.0, 2.0, 3.0]})
