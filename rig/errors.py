"""Errors the rig reports to people: one line, naming what was wrong."""


class RigError(Exception):
    """A user-facing error; the CLI prints its message on one line and exits non-zero."""


class ConfigError(RigError):
    """Bad configuration, arguments or input files."""


class FirmwareError(RigError):
    """A firmware image that cannot be loaded (not an ELF, wrong architecture, wrong memory map...)."""


class EmulationError(RigError):
    """The emulation could not do what was asked."""


class ExpectTimeout(RigError):
    """A wait on UART output or a condition ran out of (virtual) time."""


class ExpectMismatch(RigError):
    """UART output that a wait rules out: a next line that does not match, a line that should not
    appear, a failing pattern."""


class RigWarning(UserWarning):
    """Something the rig goes on with but the user should know (a setting that has no effect here)."""
