"""Seeds for fuzz-lwm2m-session: scripts that reach the deep states of an LwM2M session.

Run: .venv/bin/python firmware-c/tests/fuzz/gen_corpus_session.py
(writes tests/fuzz/corpus/fuzz-lwm2m-session{,-fw}/). The script format is described at the top of
fuzz-lwm2m-session.c: a configuration byte, then operations (low nibble: operation, high nibble:
its parameter) with their argument bytes. The helpers below name the table indexes used there.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
TARGETS = ("fuzz-lwm2m-session", "fuzz-lwm2m-session-fw")  # the -fw one has the real Object 5

# indexes into the fuzzer's tables
IDS = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 10: 9, 13: 12, 3303: 14, 3311: 15, 5700: 16, 5850: 20,
       5851: 21}
CF = {"text": 0, "link": 1, "opaque": 2, "senml": 3, "tlv": 4, "senml-cbor": 6}
METHOD = {"GET": 0, "PUT": 1, "POST": 2, "DELETE": 3, "FETCH": 5, "iPATCH": 6}
ANS = {"2.01": 0, "2.04": 1, "2.02": 2, "4.00": 3, "4.04": 4, "2.05": 5, "4.13": 6, "2.31": 7}
LOC_RD = 1 << 3  # Location-Path rd/5a3f

# configuration byte
MGMT, BS_ONLY, BOTH, REGISTERED = 0, 1, 2, 3
QUEUE = 4
LT60, LT5, LT86400, LT300 = 0 << 3, 1 << 3, 2 << 3, 3 << 3
WRAP = 0x20
V10 = 0x80


def request(method: str, path: list[int], *, non: bool = False, frm: int = 0, cf: str | None = None,
            accept: str | None = None, observe: int | None = None, block1: int | None = None,
            block2: int | None = None, query: int | None = None, payload: bytes | int | None = None,
            token: int = 1) -> bytes:
    """Structured request (op 0). payload: raw bytes, or an int = the fuzzer's template byte."""
    depth = len(path)
    a = METHOD[method] | (8 if non else 0) | (frm & 3) << 4 | (min(depth, 3) << 6)
    f = ((cf is not None) | (accept is not None) << 1 | (observe is not None) << 2
         | (block1 is not None) << 3 | (block2 is not None) << 4 | (query is not None) << 5
         | (payload is not None) << 6 | (depth == 4) << 7)
    out = bytes((0x00, a, f)) + bytes(IDS[i] for i in path)
    if cf is not None:
        out += bytes((CF[cf],))
    if accept is not None:
        out += bytes((CF[accept],))
    if observe is not None:
        out += bytes((observe,))
    if block1 is not None:
        out += bytes((block1,))
    if block2 is not None:
        out += bytes((block2,))
    if query is not None:
        out += bytes((query,))
    if isinstance(payload, int):
        out += bytes((payload,))
    elif payload is not None:
        out += bytes((len(payload),)) + payload
    return out + bytes((token,))


def text(idx: int) -> int:
    """Payload template byte: the fuzzer's texts[idx] (2: "100", 10/11: SenML writes, 14: a Package URI)."""
    return 0x80 | idx << 3 | 5


CBOR_WRITE, CBOR_NAMES = 0x86, 0x87  # payload template bytes: the fuzzer's SenML CBOR packs


def run(idx: int) -> bytes:
    """Time passes: dts[idx] (3: 1 s, 5: 2 s, 8: 30 s, 9: 60 s, 12: 120 s, 14: 600 s)."""
    return bytes((idx << 4 | 4,))


def answer(code: str, loc: bool = False, param: int = 0) -> bytes:
    return bytes((param << 4 | 6, ANS[code] | (LOC_RD if loc else 0)))


def observe(path_idx: int, token: int = 0, cancel: bool = False) -> bytes:
    return bytes(((path_idx | (8 if cancel else 0)) << 4 | 11, token & 3))


def api(which: int, arg: int = 0) -> bytes:
    return bytes((which << 4 | 9, arg))


STEP = bytes((13,))
ACK_NOTIF = bytes((8,))
RST_NOTIF = bytes((1 << 4 | 8,))


def main() -> None:
    seeds = {
        # a CON notification in flight when a new registration wipes the observations
        "observe-reregister": bytes((REGISTERED | LT60,)) + observe(0) + run(3) * 10 + api(0, 8)
        + STEP + answer("4.04") + STEP + answer("2.01", loc=True) + run(12),
        "bootstrap-then-observe": bytes((BS_ONLY,)) + STEP + answer("2.04")
        + bytes((1 << 4 | 10, 0x0C)) + STEP + answer("2.01", loc=True) + observe(1, 1) + run(8)
        + ACK_NOTIF + run(9),
        "register-update-dereg": bytes((MGMT | LT5,)) + answer("2.01", loc=True) + run(5)
        + answer("2.04") + api(0, 2) + STEP + answer("2.04") + api(1) + answer("2.02") + run(9),
        "dm-operations": bytes((REGISTERED | LT86400,))
        + request("GET", [3, 0], accept="tlv")
        + request("PUT", [3311, 0], cf="tlv", payload=0x81, token=2)
        + request("PUT", [3303, 0, 5700], query=0, token=3)
        + request("GET", [3303, 0, 5700], observe=0, token=4)
        + request("GET", [3303], accept="link", token=5)
        + request("GET", [3, 0], block2=0x10, token=6)
        + request("POST", [3303], cf="tlv", payload=b"", token=7)
        + request("DELETE", [3303, 1], token=8)
        + request("POST", [3, 0, 4], token=9)
        + run(9) + RST_NOTIF + run(9),
        "disable": bytes((REGISTERED | LT60,))
        + request("PUT", [1, 0, 5], cf="text", payload=b"30")
        + request("POST", [1, 0, 4], token=2) + STEP + answer("2.02") + run(8) + api(2) + run(9)
        + STEP + answer("2.01", loc=True) + run(9),
        "block1-stream": bytes((REGISTERED,))
        + request("PUT", [5, 0, 0], cf="opaque", block1=0x08, payload=bytes(range(16)))
        + request("PUT", [5, 0, 0], cf="opaque", block1=0x10, payload=bytes(range(16)), token=2)
        + request("GET", [5, 0, 3], token=3),
        "lwm2m10-queue": bytes((MGMT | QUEUE | V10 | WRAP,)) + answer("2.01", loc=True)
        + observe(2, 2) + run(9) + api(0, 1) + STEP + answer("2.04") + run(14),
        "bootstrap-fails-then-writes": bytes((BOTH,)) + run(12) + run(12) + run(12) + run(12)
        + answer("2.04") + request("PUT", [1, 0, 1], frm=0, cf="text", payload=b"30")
        + request("DELETE", [], frm=0, token=2) + bytes((1 << 4 | 10, 0x0C)) + run(8),
    }
    seeds["senml-lifetime-create"] = (
        bytes((REGISTERED | LT300,))
        + request("POST", [3311, 0], cf="senml", payload=text(10))
        + request("POST", [1, 0], cf="senml", payload=text(11), token=2)
        + request("PUT", [1, 0, 1], cf="text", payload=text(2), token=3)
        + STEP + answer("2.04")
        + request("POST", [3303], cf="tlv", payload=b"", token=4)
        + request("GET", [3303], accept="senml", token=5)
        + api(6, 3) + run(9) + run(9) + STEP + answer("4.13", param=0) + run(12))
    # SenML CBOR: [{-2: "/3311/0/", 0: "5851", 2: 33}, {0: "5850", 4: false}], then reads and an observation
    seeds["senml-cbor"] = (
        bytes((REGISTERED | LT300,))
        + request("PUT", [3311, 0], cf="senml-cbor",
                  payload=bytes.fromhex("82a32168") + b"/3311/0/" + bytes.fromhex("0064") + b"5851"
                  + bytes.fromhex("021821a20064") + b"5850" + bytes.fromhex("04f4"))
        + request("GET", [3303], accept="senml-cbor", token=2)
        + request("GET", [3303, 0, 5700], accept="senml-cbor", observe=0, token=3)
        + run(9) + run(9))
    # Read-Composite and Write-Composite on "/", then an ordinary read in SenML CBOR
    seeds["composite"] = (
        bytes((REGISTERED | LT300,))
        + request("FETCH", [], cf="senml-cbor", payload=CBOR_NAMES)
        + request("FETCH", [], cf="senml-cbor", accept="senml", payload=CBOR_NAMES, token=2)
        + request("iPATCH", [], cf="senml-cbor", payload=CBOR_WRITE, token=3)
        + request("GET", [3311, 0], accept="senml-cbor", token=4)
        + run(9))
    # Send: two paths in SenML CBOR, acknowledged; three in JSON, unanswered
    seeds["send"] = (
        bytes((REGISTERED | LT300,))
        + api(7, 1) + STEP + answer("2.04") + api(7, 8 | 2) + run(12) + run(12))
    # Object 5 pull: a Package URI, the client GETs it, the "server" answers one 16-byte block
    seeds["fw-pull"] = (
        bytes((REGISTERED | LT300,))
        + request("PUT", [5, 0, 1], cf="text", payload=text(14))
        + STEP + bytes((6, ANS["2.05"] | 0x20, 0x23)) + bytes(range(16)) + STEP
        + bytes((6, ANS["2.05"] | 0x20, 0x03)) + bytes(range(16)) + run(5)
        + request("POST", [5, 0, 2], token=2) + run(9))
    # minimised reproducers of what this fuzzer found (fixed; unit tests in test-lwm2m.c)
    seeds["regress-bs-write-resource"] = bytes.fromhex("01009191")
    seeds["regress-disable-while-deregistered"] = bytes.fromhex("bb2914c429e8f4")
    seeds["regress-reg-response-block2"] = bytes.fromhex("7e172a2c")
    seeds["regress-start-in-flight"] = bytes.fromhex("05efe101000000000249")
    for target in TARGETS:
        out = CORPUS / target
        out.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
