"""Published footprints to show beside ours (see /work/shared/reference/anchors.md): (flash, RAM) bytes."""

from __future__ import annotations

# "Implementing LWM2M in constrained IoT devices" (ICWiSe 2015), CC2538 + Contiki.
PAPER: dict[str, tuple[int, int]] = {
    "LwM2M alone": (8764, 820),
    "CoAP alone": (9724, 1385),
    "full stack + Contiki OS": (86121, 12292),
    "LwM2M client core and APIs": (2260, 400),
    "registration management": (1804, 350),
    "object mapping and management": (1920, 24),
    "observe-notify management": (552, 16),
    "TLV format": (2228, 30),
}

# Contiki-NG 5.0 examples/lwm2m-ipso-objects on cc2538dk, -Os.
CONTIKI_NG: dict[str, tuple[int, int]] = {
    "whole image": (66129, 17291),
    "LwM2M engine": (11690, 1364),
    "CoAP": (9623, 3548),
    "6LoWPAN": (5177, 1747),
    "IPv6/uIP": (7612, 2926),
    "RPL-lite": (8900, 682),
    "MAC (csma, framer)": (2834, 621),
    "net core (packetbuf, queuebuf, nbr tables)": (2378, 2149),
    "OS core + libs": (5242, 525),
    "CPU/platform drivers": (7486, 2632),
}


def anchor(table: dict[str, tuple[int, int]], row: str | None) -> dict[str, object] | None:
    if row is None or row not in table:
        return None
    flash, ram = table[row]
    return {"row": row, "flash": flash, "ram": ram}
