"""Reading the YAML, JSON and TOML files that users hand to grader, with clear errors."""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import itertools
import json
import re
import sys
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

from grader.errors import InputFileError

MAX_DATA_FILE_BYTES = 2_000_000
"""Larger answers or params files are refused unread (a homework file is a few kB)."""

DATA_SUFFIXES = (".yaml", ".yml", ".json", ".toml")


def read_data_file(path: Path, max_bytes: int = MAX_DATA_FILE_BYTES) -> Any:
    """Parse a YAML, JSON or TOML file by its suffix; InputFileError names the file and why."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise InputFileError(path, f"expected a {', '.join(DATA_SUFFIXES)} file")
    if not path.exists():
        raise InputFileError(path, "no such file")
    if not path.is_file():
        raise InputFileError(path, "not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputFileError(path, f"file is too large ({size} bytes; at most {max_bytes})")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(path, f"cannot be read ({error.strerror})") from None
    text = decode_text(data, path)
    if not text.strip():
        raise InputFileError(path, "file is empty")
    return parse_data_text(text, suffix, path)


def decode_text(data: bytes, path: Path | str) -> str:
    """UTF-8 text, with or without a byte-order mark (Windows Notepad writes one), or UTF-16
    that starts with its byte-order mark (Windows PowerShell's `>` writes it)."""
    encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) \
        else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        words = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise InputFileError(path, f"not {words} text (byte {error.start})") from None


def parse_data_text(text: str, suffix: str, path: Path | str) -> Any:
    """Parse already-read text as YAML, JSON or TOML, naming ``path`` in errors."""
    if suffix == ".json":
        return _parse_json(text, path)
    if suffix == ".toml":
        return _parse_toml(text, path)
    return _parse_yaml(text, path)


def _malformed(path: Path | str, kind: str, detail: str, where: str = "") -> InputFileError:
    """The error for a file its parser refused, on one line (parsers' messages may span
    several, PyYAML's reader error does)."""
    return InputFileError(path, f"malformed {kind}{where}: {_one_line(detail)[:200]}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parser_error_words(error: Exception) -> str:
    """What a parser's exception means, in words (not Python's advice on its own limits)."""
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, ValueError) and "integer string conversion" in str(error):
        return f"a number with more than {sys.get_int_max_str_digits():,} digits"
    return str(error)


def _refuse_long_integer(value: Any) -> None:
    """Python's ValueError for an integer too long to write in decimal (more than 4,300
    digits): YAML's and TOML's hex, octal and binary integers are read without that limit,
    and such a number would stop the run where results.json is written."""
    limit = sys.get_int_max_str_digits()
    if limit and isinstance(value, int) and value.bit_length() > 3 * limit:
        str(value)  # raises beyond `limit` digits; fewer than 3 * limit bits never do


def _control_character(path: Path | str, text: str, index: int) -> InputFileError:
    """The error for a character no text file holds, at `index` in the text."""
    character = text[index]
    kind = ("a control character" if unicodedata.category(character) == "Cc"
            else "a character that is not text")
    line = _line_at(text, index)
    column = index - text.rfind("\n", 0, index)
    return InputFileError(path, f"{kind} (U+{ord(character):04X}) at line {line}, column "
                                f"{column}; save the file as plain text")


_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _parse_toml(text: str, path: Path | str) -> Any:
    try:
        document = tomllib.loads(text)
        for _, value in _depth_first(document):
            _refuse_long_integer(value)
        return document
    except tomllib.TOMLDecodeError as error:
        where = _TOML_WHERE.search(str(error))
        if where and str(error).startswith(("Illegal character", "Found invalid character")):
            line_start = sum(len(line) + 1 for line in text.split("\n")[:int(where[1]) - 1])
            raise _control_character(path, text, line_start + int(where[2]) - 1) from None
        raise _malformed(path, "TOML", str(error)) from None
    except (RecursionError, ValueError) as error:
        raise _malformed(path, "TOML", parser_error_words(error)) from None


class DuplicateKeyError(ValueError):
    """A mapping that gives one key twice: which value was meant cannot be told."""


def _parse_json(text: str, path: Path | str) -> Any:
    try:
        document = json.loads(text, object_pairs_hook=_object_once)
    except DuplicateKeyError as error:
        raise InputFileError(path, _json_duplicate(text, error.args[0])) from None
    except json.JSONDecodeError as error:
        if error.msg.startswith("Invalid control character"):
            raise _control_character(path, text, error.pos) from None
        raise _malformed(path, "JSON", error.msg, f" at line {error.lineno}") from None
    except (RecursionError, ValueError) as error:  # ValueError: more than 4,300 digits
        raise _malformed(path, "JSON", parser_error_words(error)) from None
    try:  # "\ud800" alone is valid JSON but no text: it could not be written anywhere
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputFileError(path, "malformed JSON: a \\u escape of half a character "
                                   "(a lone surrogate)") from None
    return document


def _object_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; DuplicateKeyError when it gives a key twice."""
    mapping = dict(pairs)
    if len(mapping) < len(pairs):
        raise DuplicateKeyError(_first_repeat(key for key, _ in pairs))
    return mapping


def _first_repeat(keys) -> Any:
    seen = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None


class _Repeating(dict):
    """A JSON object that gave `key` twice, kept while the document is searched for it."""

    key: str = ""


def _marking_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) == len(pairs):
        return mapping
    marked = _Repeating(mapping)
    marked.key = _first_repeat(key for key, _ in pairs)
    return marked


def _json_duplicate(text: str, key: str) -> str:
    """The message for a JSON file that repeats `key`, naming the key of the object around
    it. JSON's parser gives no line numbers for values, so the file is parsed again (only
    when it repeats a key) marking such objects, and the document searched for one; when
    the rest of the file does not parse, the key alone is named."""
    try:
        document = json.loads(text, object_pairs_hook=_marking_repeats)
    except (ValueError, RecursionError):
        return f"duplicate key '{_short(key)}'"
    outer, repeating = next(found for found in _depth_first(document)
                            if isinstance(found[1], _Repeating))
    where = f" in '{_short(outer)}'" if outer is not None else ""
    return f"duplicate key '{_short(repeating.key)}'{where}"


def _short(key: Any) -> str:
    return _one_line(str(key))[:40]


def _parse_yaml(text: str, path: Path | str) -> Any:
    import yaml  # imported here: only commands that read YAML pay for it

    loader = _safe_loader(yaml, text)
    try:
        document = yaml.load(text, Loader=loader)  # always a SafeLoader, never the full one
    except DuplicateKeyError as error:
        raise InputFileError(path, str(error)) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(error.problem)
        lines = text.splitlines() if mark else []
        if mark and mark.line < len(lines) and lines[mark.line][mark.column:][:1] == "\t":
            problem += " (a tab: YAML indents with spaces only)"
        raise _malformed(path, "YAML", problem, where) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        # Its first use is the one refused; libyaml's position counts bytes, not characters.
        index = text.find(chr(error.character)) if isinstance(error.character, int) else -1
        if index < 0:
            raise _malformed(path, "YAML", str(error)) from None
        raise _control_character(path, text, index) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
        # PyYAML raises plain ValueError, without a place, for impossible dates (2001-13-45).
        raise _impossible_date(path, text, error) or _malformed(path, "YAML",
                                                                parser_error_words(error)) from None
    if _more_values_than(document, 2 * len(text) + 16):
        raise InputFileError(path, "YAML aliases (*name) repeat its content far beyond the "
                                   "file's own size; write the values out instead")
    return document


_DATE = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.:-])")


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _impossible_date(path: Path | str, text: str, error: Exception) -> InputFileError | None:
    """The first date-shaped value that is no date, with its line, when that is the error."""
    if not isinstance(error, ValueError):
        return None
    for found in _DATE.finditer(text):
        try:
            dt.date(*map(int, found.groups()))
        except ValueError as why:
            return _malformed(path, "YAML", f"{found.group()} is no date ({why}); write "
                                            "it as YYYY-MM-DD, or in quotes for text",
                              f" at line {_line_at(text, found.start())}")
    return None


def _more_values_than(document: Any, limit: int) -> bool:
    """Whether the document holds more than `limit` values, counting each use of an alias.

    Every value written out takes at least one character, so only aliases that repeat other
    aliases (a few lines growing to millions of values, "billion laughs") exceed twice the
    text's length; grading such a file would walk every copy. Counts at most `limit` values.
    """
    return next(itertools.islice(_depth_first(document), limit, None), None) is not None


def _depth_first(document: Any):
    """Every value of a document, mapping keys too, depth first, each with the nearest key
    it is given under (None at the top); holds one iterator per level, never recursing."""
    levels = [iter(((None, document),))]
    while levels:
        for outer, value in levels[-1]:
            yield outer, value
            if isinstance(value, dict):
                levels.append(itertools.chain(((outer, key) for key in value), value.items()))
            elif isinstance(value, list):
                levels.append((outer, item) for item in value)
            break
        else:
            levels.pop()


C_LOADER_MAX_DEPTH = 200
"""Above this bound on nesting, the pure-Python loader is used (see _safe_loader)."""


def _safe_loader(yaml, text: str):
    """libyaml's C SafeLoader (same safe constructors, several times faster) for ordinary text.

    The C composer recurses without a limit, so a deeply nested document (`[[[[...`) would
    crash the whole process; such text goes to the pure-Python SafeLoader, which stops with a
    RecursionError that becomes a message. The bound over-estimates the depth: every flow
    bracket counts, plus the deepest line's indentation and block markers.
    """
    python_loader, c_loader = _loaders()
    if c_loader is None:
        return python_loader
    brackets = text.count("[") + text.count("{")
    if brackets > C_LOADER_MAX_DEPTH:
        return python_loader
    deepest = max((len(line) - len(line.lstrip(" -?:")) + line.count("- ") + line.count(": ")
                   for line in text.splitlines()), default=0)
    return c_loader if brackets + deepest <= C_LOADER_MAX_DEPTH else python_loader


@functools.cache
def _loaders():
    """PyYAML's SafeLoader and libyaml's CSafeLoader (None without libyaml), both refusing a
    mapping that gives one key twice (PyYAML keeps the last silently) and an integer too long
    to write out."""
    import yaml

    class Strict:
        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                _keys_as_written(node)
                _refuse_repeated_keys(self, node, deep)
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node):
            number = super().construct_yaml_int(node)
            _refuse_long_integer(number)
            return number

    loaders = [base and type(base.__name__, (Strict, base), {})
               for base in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", None))]
    for loader in filter(None, loaders):
        loader.add_constructor("tag:yaml.org,2002:int", Strict.construct_yaml_int)
        loader.yaml_implicit_resolvers = {
            first: [(tag, PLAIN_NUMBERS.get(tag, pattern)) for tag, pattern in resolvers]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return tuple(loaders)


PLAIN_NUMBERS = {
    "tag:yaml.org,2002:int": re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"),
    "tag:yaml.org,2002:float": re.compile(
        r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
}
"""Which plain scalars YAML reads as numbers: decimal forms only, with `1e-3` and `1e3` read
as YAML 1.2 reads them (PyYAML's YAML 1.1 wants a point, `1.0e-3`, and left `eps: 1e-8` as
text). Its base-60 (`1:30` is 90), hexadecimal (`0x10` is 16), octal (`017` is 15) and binary
forms stay text, so a student's `1:30` is "not a number" rather than 90, and `017` is 17."""


MERGE_TAG = "tag:yaml.org,2002:merge"
BOOL_TAG = "tag:yaml.org,2002:bool"
BOOL_WORDS = frozenset({"true", "false"})
"""The truth values YAML 1.2 knows; YAML 1.1 also reads yes, no, on and off as truth values."""


def _keys_as_written(node) -> None:
    """A key written `on:`, `no:`, `Yes:` is that word, not a truth value (YAML 1.1 makes
    it one, so a part or question named `no` could not be answered); only `true:` and
    `false:` are truth values, as in YAML 1.2. Values keep YAML 1.1's reading: a student's
    `s1: yes` is a truth value the T/F parts read."""
    for key_node, _ in node.value:
        if key_node.tag == BOOL_TAG and key_node.value.lower() not in BOOL_WORDS:
            key_node.tag = "tag:yaml.org,2002:str"


def _refuse_repeated_keys(constructor, node, deep: bool) -> None:
    """DuplicateKeyError, with both lines, for a key written twice in one YAML mapping. The
    keys a merge (`<<: *base`) brings in may be overridden: only the mapping's own count."""
    first = {}
    for key_node, _ in node.value:
        if key_node.tag == MERGE_TAG:
            continue
        key = constructor.construct_object(key_node, deep=deep)
        try:
            earlier = first.setdefault(key, key_node)
        except TypeError:  # unhashable: the constructor itself refuses it
            continue
        if earlier is not key_node:
            line, first_line = key_node.start_mark.line + 1, earlier.start_mark.line + 1
            also = f"; first given at line {first_line}" if first_line != line else ""
            written = key_node.value if isinstance(key_node.value, str) else key
            raise DuplicateKeyError(f"duplicate key '{_short(written)}' (line {line}{also})")
