"""The package's one exception type."""


class TenantsimError(RuntimeError):
    """The tenantsim binary is missing, did not start, exited, or its control API refused a
    request. The message carries the server's recent output where it helps."""


TenantsimError.__module__ = "tenantsim"
