"""The one error type of the workbench."""


class WorkbenchError(Exception):
    """A step failed; the message says which one and why."""
