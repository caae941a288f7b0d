"""firmware-c's make interface as a contributor meets it: the default goal, the core-only -min
image, and an application's own objects in the native client (firmware-c/README.md)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rig.lwm2m import LwM2MServer
from rig.lwm2m.fakeclient import free_udp_port
from rig.lwm2m.native import run_native
from rig.topology import REPO

FIRMWARE = REPO / "firmware-c"
OBJECT_SRC = "apps/lwm2m-client/objects/obj-generic-sensor.c"
EXTRA = [f"LWM2M_CLIENT_EXTRA_SRCS={OBJECT_SRC}", "LWM2M_CLIENT_EXTRA_OBJECTS=X(lwm2m_obj_generic_sensor)",
         "LWM2M_CLIENT_EXTRA_CFLAGS=-DMY_APP_FLAG=1"]


def dry_run(*args: str) -> str:
    """What make would run (-n: nothing is built), in firmware-c."""
    done = subprocess.run(["make", "-n", "-C", str(FIRMWARE), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_make_without_a_target_builds_every_image(tmp_path: Path) -> None:
    default = dry_run(f"BUILD={tmp_path}")
    assert default == dry_run(f"BUILD={tmp_path}", "all")
    for app in ("hello", "lwm2m-client", "lwm2m-client-min", "slip-radio"):
        assert f"-o {tmp_path}/cc2538/{app}.elf" in default


def test_the_minimal_image_compiles_only_the_core(tmp_path: Path) -> None:
    commands = dry_run(f"BUILD={tmp_path}", *EXTRA, f"{tmp_path}/cc2538/lwm2m-client-min.elf")
    compiled = {line.split(" -c ")[1].split()[0] for line in commands.splitlines() if " -c " in line}
    assert "os/net/app-layer/lwm2m/lwm2m-engine.c" in compiled
    for extra in ("lwm2m-senml.c", "lwm2m-senml-cbor.c", "lwm2m-obj-ipso.c", "lwm2m-obj-connmon.c",
                  "lwm2m-client.c", "obj-generic-sensor.c"):
        assert not [src for src in compiled if src.endswith("/" + extra)], extra
    assert "LWM2M_CLIENT_EXTRA_OBJECTS" not in commands and "MY_APP_FLAG" not in commands
    # the full image still takes them
    full = dry_run(f"BUILD={tmp_path}", *EXTRA, f"{tmp_path}/cc2538/lwm2m-client.elf")
    assert OBJECT_SRC in full and "-DMY_APP_FLAG=1" in full and "lwm2m-obj-ipso.c" in full


@pytest.fixture(scope="module")
def native_with_extra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("native-extra")
    done = subprocess.run(["make", "-s", "-j2", "-C", str(FIRMWARE), f"BUILD={out}", *EXTRA,
                           f"{out}/native/lwm2m-client"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return out / "native" / "lwm2m-client"


def test_the_native_client_takes_the_applications_objects(native_with_extra: Path) -> None:
    async def main(clock) -> tuple[list[int], str]:  # type: ignore[no-untyped-def]
        port = free_udp_port()
        # the object's own model, as a user would give it: no UnmodelledObject warning, typed values
        server = LwM2MServer(port=port, request_timeout=30.0,
                             model_dirs=[FIRMWARE / "apps/lwm2m-client/objects/3300.xml"])
        await server.start()
        client = clock.spawn("--server", f"coap://[::1]:{port}", "--ep", "ext-1")
        try:
            device = await server.wait_for_registration("ext-1", timeout=30.0)
            objects = sorted(device.registration.objects)
            units = await device.read("/3300/0/5701", fmt="text")
            return objects, units
        finally:
            await client.stop()
            await server.stop()

    objects, units = run_native(main, binary=native_with_extra)
    assert 3300 in objects and 3 in objects
    assert units == "s"
