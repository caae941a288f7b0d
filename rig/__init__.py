"""lwm2m-rig: a hardware-in-the-loop test rig for LwM2M firmware on an emulated TI CC2538."""

__version__ = "0.1.0"
