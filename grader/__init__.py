"""grader: write and grade the numeric homework of a deep-learning course."""

__version__ = "0.1.0"
