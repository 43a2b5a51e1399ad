"""Error types raised inside the library; the CLI alone turns them into messages.

Each one pickles (`__reduce__` where the constructor takes more than the message): an error
raised in a worker process is sent back to the parent, which must be able to rebuild it.
"""

import os


def debugging() -> bool:
    """Whether GRADER_DEBUG asks for a bug's own traceback instead of a one-line report."""
    return bool(os.environ.get("GRADER_DEBUG"))


class GraderError(Exception):
    """An error the user must fix; its text is the one line the CLI prints."""


class ParamError(GraderError):
    """A family parameter is missing, of the wrong type, shape or range."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"parameter '{name}': {problem}")
        self.name = name
        self.problem = problem

    def __reduce__(self):  # crosses back from a worker process whole
        return type(self), (self.name, self.problem)


class NoFiniteKeyError(GraderError):
    """An instance whose reference answer is not a finite number (0/0, an overflow): its
    params pose an exercise without an answer, so nothing can be graded against it."""

    def __init__(self, step: str, problem: str):
        super().__init__(f"these params have no finite answer: step '{step}' {problem}")
        self.step = step
        self.problem = problem

    def __reduce__(self):
        return type(self), (self.step, self.problem)


class UnknownFamilyError(GraderError):
    """A family name that the problem bank does not hold."""


class UnknownMistakeError(GraderError):
    """A mistake id that a family does not catalogue."""


class InputFileError(GraderError):
    """A file given by the user cannot be read or does not hold what it should."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self):
        return type(self), (self.path, self.problem)


class AssignmentError(GraderError):
    """The assignment file is malformed; the message names the file, question and field."""


class RosterError(GraderError):
    """The roster cannot be used; the message names the file and the row or column."""


class LatexBuildError(GraderError):
    """A LaTeX document did not compile; names whose document it was and quotes the log."""

    def __init__(self, label: str, problem: str, log_lines: tuple[str, ...] = ()):
        quoted = "".join(f"\n    {line}" for line in log_lines)
        super().__init__(f"{label}: {problem}{quoted}")
        self.label = label
        self.problem = problem
        self.log_lines = log_lines

    def __reduce__(self):
        return type(self), (self.label, self.problem, self.log_lines)
