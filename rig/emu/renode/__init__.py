"""The `renode` emulator backend: drives a user's Renode through its monitor (see renode/README.md)."""

from rig.emu.renode.process import NOT_FOUND, find_renode

__all__ = ["NOT_FOUND", "RenodeEmulation", "find_renode"]


def __getattr__(name: str) -> object:
    if name == "RenodeEmulation":  # imported lazily: the pytest plugin only needs find_renode
        from rig.emu.renode.emulation import RenodeEmulation

        return RenodeEmulation
    raise AttributeError(name)
