"""Error types raised inside the library; the CLI alone turns them into messages."""


class GraderError(Exception):
    """An error the user must fix; its text is the one line the CLI prints."""


class ParamError(GraderError):
    """A family parameter is missing, of the wrong type, shape or range."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"parameter '{name}': {problem}")
        self.name = name
        self.problem = problem


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
