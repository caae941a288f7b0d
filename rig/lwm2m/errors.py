"""Errors raised by the LwM2M server API."""

from __future__ import annotations

from rig.errors import RigError


class LwM2MError(RigError):
    """A device answered with a CoAP error code, e.g. LwM2MError(code=4.04, path='/3/0/99')."""

    def __init__(self, code: float | str, path: str = "", detail: str = "", endpoint: str = "") -> None:
        self.code_str = code if isinstance(code, str) else f"{code:.2f}"
        self.code = float(self.code_str)
        self.path = path
        self.detail = detail
        self.endpoint = endpoint
        where = f" on {endpoint}{path}" if endpoint or path else ""
        name = _NAMES.get(self.code_str)
        super().__init__(f"{self.code_str}{' ' + name if name else ''}{where}{': ' + detail if detail else ''}")


class DeviceTimeout(RigError):
    """A device did not answer (or register) in time."""


class ObservationEnded(RigError):
    """next() on an observation that has ended: cancelled, replaced, or the registration ended."""


class NotRegistered(RigError):
    """The endpoint is not (or no longer) registered."""


class UnmodelledObject(UserWarning):
    """A device registered an object the server has no model for (warned once per object ID):
    its values are read untyped, and typed writes of it fail."""


_NAMES = {
    "2.01": "Created",
    "2.02": "Deleted",
    "2.03": "Valid",
    "2.04": "Changed",
    "2.05": "Content",
    "4.00": "Bad Request",
    "4.01": "Unauthorized",
    "4.02": "Bad Option",
    "4.03": "Forbidden",
    "4.04": "Not Found",
    "4.05": "Method Not Allowed",
    "4.06": "Not Acceptable",
    "4.08": "Request Entity Incomplete",
    "4.09": "Conflict",
    "4.12": "Precondition Failed",
    "4.13": "Request Entity Too Large",
    "4.15": "Unsupported Content-Format",
    "5.00": "Internal Server Error",
    "5.01": "Not Implemented",
    "5.02": "Bad Gateway",
    "5.03": "Service Unavailable",
    "5.04": "Gateway Timeout",
    "5.05": "Proxying Not Supported",
}
