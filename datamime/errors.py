"""Errors raised for user mistakes: short, specific, and safe to show as-is."""


class DatamimeError(Exception):
    """A problem the user can fix; the message says what and how (no traceback shown)."""


class DataError(DatamimeError, ValueError):
    """The input table cannot be used as given (file, column, row named in the message)."""


class ModelError(DatamimeError):
    """A saved model is missing, unreadable, or from an incompatible version."""


class SamplingError(DatamimeError, ValueError):
    """A sampling request is impossible (empty range, end before start...)."""


class ConfigError(DatamimeError, ValueError):
    """A setting has the wrong type or an impossible value (the key is named)."""


class Interrupted(BaseException):  # noqa: N818 - not an error: the user asked to stop
    """Ctrl-C during a command (raised by the scripts' SIGINT handler).

    A ``BaseException`` that is not ``KeyboardInterrupt``, so that no ``except Exception``
    swallows it and Lightning, which turns ``KeyboardInterrupt`` into its own message and
    exit status 1, lets it through to :func:`datamime.pipeline.run`.
    """
