"""The one error the warehouse raises: a table that could not be written or read, and why."""


class WarehouseError(Exception):
    """A table could not be written or read; the message says which and why."""
