"""Declarative parameter fields, validated once at the edge where raw YAML/JSON comes in."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from grader.errors import ParamError
from grader.values import kind_in_words

REQUIRED = object()
"""Marks a field without a default: the parameter must be given."""


@dataclass(frozen=True, kw_only=True)
class Field:
    """One named parameter of a family; subclasses say what a valid value is."""

    name: str
    doc: str
    default: Any = REQUIRED

    def describe(self) -> str:
        """A short type description for `grader problems`."""
        return type(self).__name__.lower()

    def parse(self, raw: Any, dims: Dims) -> Any:
        """Return the validated value or raise ParamError naming this field."""
        raise NotImplementedError

    def fail(self, problem: str) -> ParamError:
        return ParamError(self.name, problem)


def _as_real(field: Field, raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise field.fail(f"expected a number, got {kind_in_words(raw)}")
    try:
        value = float(raw)
    except OverflowError:  # an integer past float's range: 1.8e308
        raise field.fail("expected a finite number, got one beyond 1.8e308") from None
    if not math.isfinite(value):
        raise field.fail(f"expected a finite number, got {raw!r}")
    return value


def _check_range(field: Field, value: float, minimum, maximum, exclusive_minimum: bool) -> None:
    shown = _number_text(value)
    if minimum is not None:
        if exclusive_minimum and not value > minimum:
            raise field.fail(f"must be greater than {minimum}, got {shown}")
        if not exclusive_minimum and value < minimum:
            raise field.fail(f"must be at least {minimum}, got {shown}")
    if maximum is not None and value > maximum:
        raise field.fail(f"must be at most {maximum}, got {shown}")


def _number_text(value: float) -> str:
    """A value for a bound's message: a whole number in full (1000001, not 1e+06), others %g."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()
                                  and abs(value) < 1e15):
        return str(int(value))
    return f"{value:g}"


@dataclass(frozen=True, kw_only=True)
class Real(Field):
    """A finite real number, optionally bounded."""

    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False

    def describe(self) -> str:
        return "number" + _bounds_text(self.minimum, self.maximum, self.exclusive_minimum)

    def parse(self, raw: Any, dims: Dims) -> float:
        value = _as_real(self, raw)
        _check_range(self, value, self.minimum, self.maximum, self.exclusive_minimum)
        return value


LARGEST_WHOLE = 2 ** 53
"""Whole numbers beyond this are not all exact as floats (2**53 + 1 reads as 2**53): the
bound of every Integer field without a smaller one of its own."""


@dataclass(frozen=True, kw_only=True)
class Integer(Field):
    """A whole number, optionally bounded; never beyond ±LARGEST_WHOLE."""

    minimum: int | None = None
    maximum: int | None = None

    def describe(self) -> str:
        return "integer" + _bounds_text(self.minimum, self.maximum, False)

    def parse(self, raw: Any, dims: Dims) -> int:
        value = _as_real(self, raw)
        if value != int(value):
            raise self.fail(f"expected a whole number, got {raw!r}")
        _check_range(self, value, self.minimum, self.maximum, False)
        # An int as written: 2^53 + 1 is 2^53 once made a float.
        exact = raw if isinstance(raw, int) else value
        if abs(exact) > LARGEST_WHOLE:
            shown = f"{exact:,}" if isinstance(exact, int) else f"{exact:g}"
            raise self.fail(f"must be at most {LARGEST_WHOLE:,} in size (2^53), got {shown}")
        return int(value)


@dataclass(frozen=True, kw_only=True)
class Flag(Field):
    """true or false."""

    def describe(self) -> str:
        return "true/false"

    def parse(self, raw: Any, dims: Dims) -> bool:
        if not isinstance(raw, bool):
            raise self.fail(f"expected true or false, got {kind_in_words(raw)}")
        return raw


@dataclass(frozen=True, kw_only=True)
class Choice(Field):
    """One of a fixed set of words."""

    choices: tuple[str, ...]

    def describe(self) -> str:
        return " | ".join(self.choices)

    def parse(self, raw: Any, dims: Dims) -> str:
        if not isinstance(raw, str) or raw not in self.choices:
            raise self.fail(f"expected one of {', '.join(self.choices)}, got {kind_in_words(raw)}")
        return raw


@dataclass(frozen=True, kw_only=True)
class Tensor(Field):
    """A number, vector or matrix whose shape is given by named dimensions (H, D, ...).

    A name binds to the size first seen, so every field that uses it must agree; a scalar
    given where a vector is expected fills it when ``fill_scalar`` is set (h0 = 0).
    """

    dims: tuple[str | int, ...]
    integer: bool = False
    fill_scalar: bool = False
    minimum: float | None = None

    def describe(self) -> str:
        kind = "integers" if self.integer else "numbers"
        if not self.dims:
            return "integer" if self.integer else "number"
        return f"{' x '.join(str(d) for d in self.dims)} {kind}"

    def parse(self, raw: Any, dims: Dims) -> np.ndarray:
        if self.fill_scalar and isinstance(raw, int | float) and not isinstance(raw, bool):
            shape = tuple(dims.size(d) for d in self.dims)
            if None not in shape:
                raw = np.full(shape, _as_real(self, raw)).tolist()
        array = self._to_array(raw)
        if array.ndim != len(self.dims):
            raise self.fail(
                f"expected {_rank_name(len(self.dims))} of shape {dims.expected(self.dims)}, "
                f"got {_rank_name(array.ndim)} of shape {_shape_text(array.shape)}"
            )
        if self.dims and not array.size:
            raise self.fail(f"is empty: expected {_rank_name(len(self.dims))} of shape "
                            f"{dims.expected(self.dims)} with at least one entry")
        dims.bind(self, array.shape)
        if self.minimum is not None and array.min() < self.minimum:
            raise self.fail(f"entries must be at least {self.minimum:g}, got {array.min():g}")
        array.setflags(write=False)
        return array

    def _to_array(self, raw: Any) -> np.ndarray:
        if _has_non_numbers(raw):
            raise self.fail("expected numbers only (found text, null or a boolean)")
        try:
            array = np.asarray(raw, dtype=float)
        except (ValueError, TypeError):
            raise self.fail("rows must all have the same length") from None
        if not np.isfinite(array).all():
            raise self.fail("entries must be finite numbers (no NaN or infinity)")
        if self.integer:
            if not (array == np.round(array)).all():
                raise self.fail("entries must be whole numbers")
            array = array.astype(np.int64)
        return array


@dataclass(frozen=True, kw_only=True)
class Items(Field):
    """A list whose items a family-specific function validates (layers, statement ids)."""

    item: Callable[[Any, str], Any]
    item_doc: str
    min_items: int = 1
    max_items: int | None = None

    def describe(self) -> str:
        return f"list of {self.item_doc}"

    def parse(self, raw: Any, dims: Dims) -> tuple:
        if not isinstance(raw, list | tuple):
            raise self.fail(f"expected a list of {self.item_doc}, got {kind_in_words(raw)}")
        if len(raw) < self.min_items:
            raise self.fail(f"expected at least {self.min_items} item(s), got {len(raw)}")
        if self.max_items is not None and len(raw) > self.max_items:
            raise self.fail(f"expected at most {self.max_items} items, got {len(raw)}")
        return tuple(self.item(entry, f"{self.name}[{index}]") for index, entry in enumerate(raw))


def _has_non_numbers(raw: Any) -> bool:
    if isinstance(raw, list | tuple):
        for entry in raw:
            # Plain floats and ints (most entries) settled without a call; bool is not int here.
            if type(entry) is not float and type(entry) is not int and _has_non_numbers(entry):
                return True
        return False
    return isinstance(raw, bool) or not isinstance(raw, int | float)


def _rank_name(ndim: int) -> str:
    return {0: "a number", 1: "a vector", 2: "a matrix"}.get(ndim, f"a {ndim}-d array")


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _bounds_text(minimum, maximum, exclusive: bool) -> str:
    if minimum is not None and maximum is not None:
        return f" in [{minimum}, {maximum}]"
    if minimum is not None:
        return f" {'>' if exclusive else '>='} {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


class Dims:
    """Sizes of named dimensions, bound by the first field that uses each name."""

    def __init__(self) -> None:
        self._sizes: dict[str, int] = {}
        self._bound_by: dict[str, str] = {}

    def size(self, dim: str | int) -> int | None:
        return dim if isinstance(dim, int) else self._sizes.get(dim)

    def expected(self, dims: tuple[str | int, ...]) -> str:
        parts = []
        for dim in dims:
            size = self.size(dim)
            parts.append(str(dim) if size is None else
                         (f"{dim}={size}" if isinstance(dim, str) else str(size)))
        return "(" + ", ".join(parts) + ")"

    def bind(self, field: Field, shape: tuple[int, ...]) -> None:
        """Check each axis against the size its name has (bound by an earlier field, or by
        an earlier axis of this one: U of shape (H, H) must be square), binding new names."""
        sizes = self._sizes
        for dim, size in zip(field.dims, shape, strict=True):
            if isinstance(dim, int):
                if dim != size:
                    self._refuse(field, shape)
            elif dim not in sizes:
                sizes[dim] = size
                self._bound_by[dim] = field.name
            elif sizes[dim] != size:
                self._refuse(field, shape)

    def _refuse(self, field: Field, shape: tuple[int, ...]) -> None:
        """Raise the field's error: the expected shape, and which field set each size."""
        mismatches = [f"{dim}={self._sizes[dim]} as set by '{self._bound_by[dim]}'"
                      for dim, size in zip(field.dims, shape, strict=True)
                      if isinstance(dim, str) and self._sizes.get(dim, size) != size]
        which = f" ({'; '.join(mismatches)})" if mismatches else ""
        raise field.fail(f"expected shape {self.expected(field.dims)}, got "
                         f"{_shape_text(shape)}{which}")

    def as_dict(self) -> dict[str, int]:
        return dict(self._sizes)


@dataclass(frozen=True)
class Params:
    """Validated, read-only parameter values of one instance."""

    values: Mapping[str, Any]
    dims: Mapping[str, int]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value


@dataclass(frozen=True)
class ParamSpec:
    """The parameters of a family: fields in order, then cross-field checks.

    ``prepare`` rewrites alternative input forms (a concatenated gate matrix, embedded tokens)
    into the canonical fields before validation; ``check`` raises ParamError on combinations
    that each field alone cannot see.
    """

    fields: tuple[Field, ...]
    prepare: Callable[[dict], dict] | None = None
    check: Callable[[Params], None] | None = None

    def parse(self, raw: Any) -> Params:
        """Validate raw (YAML/JSON-shaped) params into Params, or raise ParamError."""
        if not isinstance(raw, Mapping):
            problem = f"expected a mapping of parameter names, got {kind_in_words(raw)}"
            raise ParamError("params", problem)
        raw = dict(raw)
        if self.prepare is not None:
            raw = self.prepare(raw)
        known = {field.name for field in self.fields}
        unknown = sorted(str(key) for key in raw if key not in known)
        if unknown:
            expected = ", ".join(sorted(known))
            raise ParamError(unknown[0], f"unknown parameter; expected one of {expected}")
        dims = Dims()
        values: dict[str, Any] = {}
        for field in self.fields:
            if raw.get(field.name) is None:
                if field.default is REQUIRED:
                    raise field.fail("is required")
                default = field.default
                if callable(default):
                    default = default(dims)
                values[field.name] = None if default is None else field.parse(default, dims)
            else:
                values[field.name] = field.parse(raw[field.name], dims)
        params = Params(MappingProxyType(values), MappingProxyType(dims.as_dict()))
        if self.check is not None:
            self.check(params)
        return params


def zeros(*dims: str) -> Callable[[Dims], list]:
    """A default that fills the named dimensions with zeros once they are bound."""

    def make(bound: Dims) -> list:
        shape = tuple(bound.size(d) for d in dims)
        if None in shape:
            raise ParamError(dims[0], "its size cannot be inferred; give it explicitly")
        return np.zeros(shape).tolist()

    return make
