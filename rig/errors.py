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


class EmulatorBug(EmulationError):
    """A Python exception inside the emulator itself (a peripheral model's register access or
    timer): the emulator's fault, not the firmware's. Reported like a firmware fault, with what the
    firmware was doing; `rig boot` exits 3 for it ("emulator bug, please report"), apart from the
    firmware's faults (1) and bad input (2). A model registered by the user (register_model) is
    named as theirs: the bug is then in that model."""

    def __init__(self, node: str, model: str, error: BaseException, *, access: str | None = None,
                 pc: int | None = None, function: str | None = None, time: float | None = None,
                 user_model: str | None = None) -> None:
        self.node = node
        self.model = model
        self.error = error
        self.access = access  # e.g. "4-byte read of 0x4000c018 (uart0+0x18)"; None: a timer
        self.pc = pc
        self.function = function
        self.time = time
        self.user_model = user_model  # where a user's model came from (its module), else None
        self.raised_at = _raised_at(error)
        what = f"{access}" if access else "a timer callback"
        where = (f" at pc=0x{pc:08x}" + (f" in {function}()" if function else "") if pc is not None else "")
        when = f", t={time:.6f}s" if time is not None else ""
        head = (f"peripheral model {model!r} ({user_model}) raised" if user_model
                else f"emulator bug, please report: peripheral model {model!r} raised")
        super().__init__(f"{head} {type(error).__name__}: {error} on {what} (node {node}{where}{when}; "
                         f"raised at {self.raised_at})")


def _raised_at(error: BaseException) -> str:
    """file:line in function of the innermost frame of the exception's traceback."""
    tb = error.__traceback__
    if tb is None:
        return "?"
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return f"{code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} in {code.co_name}"
