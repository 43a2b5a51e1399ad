"""The problem bank: one module per exercise family, registered here by name."""

from __future__ import annotations

from grader.errors import UnknownFamilyError
from grader.family import Family
from problems import adam_update

MODULES = (adam_update,)
"""Every family module, listed by hand so the registry is easy to read and to grep."""

FAMILIES: dict[str, Family] = {module.FAMILY.name: module.FAMILY for module in MODULES}


def get_family(name: str) -> Family:
    """The family of that name, or UnknownFamilyError listing the known names."""
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(sorted(FAMILIES))
        raise UnknownFamilyError(f"unknown family '{name}' (known: {known})") from None
