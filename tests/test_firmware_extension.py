"""An application adds its own LwM2M object without editing the client (firmware-c/README.md,
"Adding an object"): two make variables, every lwm2m-client image, its own footprint row."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rig.footprint.cli import DEFAULT_COMPONENTS, _default_map, make_report
from rig.footprint.components import load_components
from rig.lwm2m.errors import LwM2MError
from rig.rig import Rig
from rig.topology import REPO, Topology

OBJECT_SRC = "apps/lwm2m-client/objects/obj-generic-sensor.c"
OBJECTS = REPO / "firmware-c" / "apps" / "lwm2m-client" / "objects"  # the object's model, 3300.xml
MAKE_VARS = [f"LWM2M_CLIENT_EXTRA_SRCS={OBJECT_SRC}", "LWM2M_CLIENT_EXTRA_OBJECTS=X(lwm2m_obj_generic_sensor)"]


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extension-build")
    targets = [str(out / "cc2538" / f"{app}.elf") for app in ("lwm2m-client", "lwm2m-client-fota")]
    done = subprocess.run(["make", "-s", "-j2", "-C", str(REPO / "firmware-c"), f"BUILD={out}", *MAKE_VARS, *targets],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return out / "cc2538"


@pytest.fixture
def ext_rig(build: Path, tmp_path: Path) -> Iterator[Rig]:
    """A topology file next to the images: relative firmware and model paths resolve against it."""
    topology = tmp_path / "rig.toml"
    topology.write_text(f'''[server]
models = ["{os.path.relpath(OBJECTS, tmp_path)}"]
[[node]]
name = "n1"
firmware = "{os.path.relpath(build / "lwm2m-client.elf", tmp_path)}"
''')
    with Rig(Topology.load(topology)) as rig:
        yield rig


def test_the_object_is_registered_read_and_written(ext_rig: Rig) -> None:
    dev = ext_rig.wait_for_registration()
    assert 3300 in dev.registration.objects
    assert dev.read("/3300/0") == {5700: pytest.approx(dev.read("/3300/0/5700")), 5701: "s", 5750: "uptime"}
    dev.write("/3300/0/5750", "pressure")  # typed by the model the topology named: TLV
    assert dev.read("/3300/0/5750") == "pressure"
    with pytest.raises(LwM2MError, match=r"^4\.05 Method Not Allowed"):
        dev.write("/3300/0/5701", "m")


def test_every_client_image_has_it_in_its_own_footprint_row(build: Path) -> None:
    config = load_components(DEFAULT_COMPONENTS)
    for app in ("lwm2m-client", "lwm2m-client-fota"):  # the FOTA image linked without the source
        elf = build / f"{app}.elf"
        rows = {c["name"]: c for c in make_report(elf, _default_map(elf), config)["components"]}
        files = [f["path"] for f in rows["other objects"]["files"]]
        assert files == [OBJECT_SRC.removesuffix(".c")], (app, files)
        assert rows["other objects"]["flash"] > 100, app
        assert all(OBJECT_SRC not in str(rows[name]["files"]) for name in ("application", "objects 4/3303/3311"))
