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
