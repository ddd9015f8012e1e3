"""The one error every source raises when it cannot be read."""


class SourceError(RuntimeError):
    """A source cannot be read as it is.

    The message names the source (never with its token or password) and says, in words
    the ops person understands, what is wrong and what to do about it. `retryable` says
    whether trying again later may help (a server down) or not (a wrong token, a bad file).
    """

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable
