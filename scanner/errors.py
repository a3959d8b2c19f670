"""The one exception type that the command line turns into a one-line message and exit 2."""


class LeakwindowError(Exception):
    """A user-facing error: bad input, bad configuration or an unreadable repository.

    The message must be one line and must never contain a secret value.
    """
