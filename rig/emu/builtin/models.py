"""Peripheral models of your own for the builtin emulator: the extension point.

A model is a `Peripheral` subclass (rig/emu/builtin/peripheral.py: `name`, `base`, `size`, `read`,
`write`, `reset`; time through `ctx.scheduler`, interrupts through `ctx.irq.set_irq`). Register a
factory under a name, then ask for it per node:

    from rig.emu.builtin.models import register_model
    register_model("my-adc", MyAdc)                      # MyAdc(ctx) -> Peripheral

    NodeSpec("a", elf, extra={"peripherals": ["my-adc"]})      # the emulation API
    [[node]] peripherals = ["my-adc"]                            # a topology (file or marker)
    rig boot my.elf --peripheral my-adc                          # the command line

Instead of a registered name, "package.module:ClassName" imports the factory (a topology file can
name a model without code that registers it). A model sits in the peripheral space (0x40000000-
0x400FFFFF, the PKA window 0x44004000-0x440067FF, or the private peripheral bus 0xE0000000-0xE00FFFFF)
on its own range: one the chip leaves unmodelled (ADC, SSI, I2C, GPTIMER..., which otherwise read back
what was written and warn) or reserved; overlapping a built-in model is refused. An exception inside
it stops the run with an EmulatorBug naming the model and the register.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from rig.emu.builtin import memmap as mm
from rig.emu.builtin.peripheral import Peripheral, PeripheralContext
from rig.errors import ConfigError

ModelFactory = Callable[[PeripheralContext], Peripheral]
WINDOWS = ((mm.PERIPH_BASE, mm.PERIPH_SIZE), (mm.PKA_BASE, mm.PKA_SIZE), (mm.PPB_BASE, mm.PPB_SIZE))


@dataclass(frozen=True)
class Model:
    name: str
    factory: ModelFactory
    origin: str  # where it came from: its module, for reports


_MODELS: dict[str, Model] = {}


def register_model(name: str, factory: ModelFactory, *, replace: bool = False) -> None:
    """Make `factory` (called with the node's PeripheralContext, returns a Peripheral) available as
    `name` to NodeSpec extra "peripherals", topologies and `rig boot --peripheral`."""
    if not isinstance(name, str) or not name or ":" in name:
        raise ConfigError(f"register_model: name must be a non-empty string without ':', got {name!r}")
    if not callable(factory):
        raise ConfigError(f"register_model({name!r}): factory must be callable, got {factory!r}")
    if name in _MODELS and not replace and _MODELS[name].factory is not factory:
        raise ConfigError(f"register_model: {name!r} is already registered (from {_MODELS[name].origin}); "
                          "pass replace=True to replace it")
    _MODELS[name] = Model(name, factory, getattr(factory, "__module__", None) or "?")


def unregister_model(name: str) -> None:
    _MODELS.pop(name, None)


def registered_models() -> list[str]:
    return sorted(_MODELS)


def resolve_model(ref: str) -> Model:
    """A registered name, or "module:attribute" (imported). ConfigError naming the known ones."""
    if not isinstance(ref, str) or not ref:
        raise ConfigError(f"peripheral model must be a name or 'module:Class', got {ref!r}")
    if ref in _MODELS:
        return _MODELS[ref]
    if ":" in ref:
        module_name, _, attr = ref.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"peripheral model {ref!r}: cannot import {module_name}: {exc}") from None
        factory = getattr(module, attr, None)
        if factory is None or not callable(factory):
            raise ConfigError(f"peripheral model {ref!r}: {module_name} has no callable {attr!r}")
        return Model(ref, factory, module_name)
    close = difflib.get_close_matches(ref, _MODELS, n=1)
    known = ", ".join(registered_models()) or "none registered"
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ConfigError(f"unknown peripheral model {ref!r} (registered: {known}{hint}; "
                      "register_model(name, factory) or give 'module:Class')")


def instantiate(ref: str, ctx: PeripheralContext, taken: list[Peripheral]) -> tuple[Peripheral, Model]:
    """The model `ref` built for a node, checked: a Peripheral in a peripheral window, on a range
    no other model of the node takes."""
    model = resolve_model(ref)
    try:
        p = model.factory(ctx)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(f"peripheral model {ref!r}: its factory raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(p, Peripheral):
        raise ConfigError(f"peripheral model {ref!r}: the factory returned {type(p).__name__}, not a "
                          "rig.emu.builtin.peripheral.Peripheral")
    base, size = p.base, p.size
    if not (isinstance(base, int) and isinstance(size, int) and size > 0 and base % 4 == 0):
        raise ConfigError(f"peripheral model {ref!r}: base 0x{base:x} / size {size} must be a word-aligned "
                          "address and a positive size")
    if not any(lo <= base and base + size <= lo + n for lo, n in WINDOWS):
        raise ConfigError(f"peripheral model {ref!r} at 0x{base:08x}..0x{base + size - 1:08x} is outside the "
                          "peripheral space (0x40000000-0x400fffff, 0x44004000-0x440067ff, 0xe0000000-0xe00fffff)")
    for other in taken:
        if base < other.base + other.size and other.base < base + size:
            raise ConfigError(f"peripheral model {ref!r} at 0x{base:08x}..0x{base + size - 1:08x} overlaps "
                              f"{other.name} at 0x{other.base:08x}..0x{other.base + other.size - 1:08x}")
    if not p.name or p.name == Peripheral.name:
        p.name = model.name  # reports name the model as it was asked for
    return p, model
