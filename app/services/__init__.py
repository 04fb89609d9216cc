"""Plain functions per area: typed arguments, add and flush, never commit."""


class ServiceError(Exception):
    """A step a service refuses: `code` says why (the route turns it into a message in the user's
    language) and `params` fill that message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params
