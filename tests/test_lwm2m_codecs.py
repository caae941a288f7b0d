"""LwM2M content codecs and the object model: round trips (hypothesis), fixed vectors, rejections."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rig.errors import ConfigError
from rig.lwm2m import codecs
from rig.lwm2m.codecs import CodecError, tlv
from rig.lwm2m.codecs.link import Link, format_links, parse_links
from rig.lwm2m.model import ObjectRegistry, ObjLnk, ResourceType, default_registry, parse_object_xml

REG = default_registry()
IDS = st.integers(0, 65534)


@st.composite
def typed_value(draw: st.DrawFn) -> object:
    kind = draw(st.sampled_from(["int", "float", "bool", "str", "bytes", "objlnk"]))
    if kind == "int":
        return draw(st.integers(-(2**63), 2**63 - 1))
    if kind == "float":
        return draw(st.floats(allow_nan=False, allow_infinity=False))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "str":
        return draw(st.text(max_size=40))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    return ObjLnk(draw(IDS), draw(IDS))


@st.composite
def instance_values(draw: st.DrawFn) -> tuple[tuple[int, int], dict]:
    """Values of one object instance of an object the registry does not know (types kept as given)."""
    oid, iid = draw(st.integers(20000, 30000)), draw(IDS)
    values: dict = {}
    for rid in draw(st.sets(IDS, min_size=1, max_size=6)):
        if draw(st.booleans()):
            for riid in draw(st.sets(IDS, min_size=1, max_size=3)):
                values[(oid, iid, rid, riid)] = draw(typed_value())
        else:
            values[(oid, iid, rid)] = draw(typed_value())
    return (oid, iid), values


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b and type(a) is type(b)


@settings(max_examples=150, deadline=None)
@given(instance_values())
def test_senml_json_and_cbor_round_trip_any_values(case: tuple) -> None:
    base, values = case
    for cf in (codecs.SENML_JSON, codecs.SENML_CBOR):
        decoded = codecs.decode(cf, codecs.encode(cf, values, base), base)
        assert decoded.keys() == values.keys()
        for path, value in values.items():
            got = decoded[path]
            if isinstance(value, float) and value.is_integer() and cf == codecs.SENML_CBOR:
                assert got == value  # CBOR may carry an integral float as an integer; value is kept
            else:
                assert _same(got, value) or (isinstance(value, float) and got == value), (cf, path)


@settings(max_examples=150, deadline=None)
@given(instance_values())
def test_tlv_structure_round_trips(case: tuple) -> None:
    base, values = case
    raw = codecs.encode(codecs.TLV, values, base)
    decoded = codecs.decode(codecs.TLV, raw, base)  # untyped object: values come back as bytes
    assert decoded == {p: tlv.encode_value(v) for p, v in values.items()}
    # The object level wraps the same content in an object-instance TLV.
    assert codecs.decode(codecs.TLV, codecs.encode(codecs.TLV, values, base[:1]), base[:1]) == decoded


TYPED_RESOURCES = {
    ResourceType.INTEGER: st.integers(-(2**63), 2**63 - 1),
    ResourceType.TIME: st.integers(0, 2**40),
    ResourceType.FLOAT: st.floats(allow_nan=False, allow_infinity=False),
    ResourceType.BOOLEAN: st.booleans(),
    ResourceType.STRING: st.text(max_size=60),
    ResourceType.OPAQUE: st.binary(max_size=600),
    ResourceType.OBJLNK: st.builds(ObjLnk, IDS, IDS),
}
# A resource of each type in the shipped models.
TYPED_PATHS = {
    ResourceType.INTEGER: (3, 0, 9),
    ResourceType.TIME: (3, 0, 13),
    ResourceType.FLOAT: (3303, 0, 5700),
    ResourceType.BOOLEAN: (3311, 0, 5850),
    ResourceType.STRING: (3, 0, 0),
    ResourceType.OPAQUE: (5, 0, 0),
    ResourceType.OBJLNK: (3, 0, 22, 0),
}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_typed_round_trip_every_format(data: st.DataObject) -> None:
    rtype = data.draw(st.sampled_from(list(TYPED_PATHS)))
    path = TYPED_PATHS[rtype]
    value: Any = data.draw(TYPED_RESOURCES[rtype])
    formats = [codecs.TLV, codecs.SENML_JSON, codecs.SENML_CBOR, codecs.TEXT]
    if rtype is ResourceType.OPAQUE:
        formats.append(codecs.OPAQUE)
    for cf in formats:
        got = codecs.decode(cf, codecs.encode(cf, {path: value}, path, REG), path, REG)[path]
        assert got == value and type(got) is type(value), (cf, rtype, value, got)


def test_tlv_known_vector_from_the_spec_style_device_object() -> None:
    # /3/0 read: Manufacturer "Open Mobile Alliance", Available Power Sources [1, 5], Battery level 100
    payload = b"\xc8\x00\x14Open Mobile Alliance\x86\x06\x41\x00\x01\x41\x01\x05\xc1\x09\x64"
    values = codecs.decode(codecs.TLV, payload, (3, 0), REG)
    assert values == {(3, 0, 0): "Open Mobile Alliance", (3, 0, 6, 0): 1, (3, 0, 6, 1): 5, (3, 0, 9): 100}
    assert codecs.encode(codecs.TLV, values, (3, 0), REG) == payload


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\xc8\x00\x14short", "claims 20 bytes"),
        (b"\xe8", "truncated"),
        (b"\x08\x00\x03\xc1\x00", "claims"),
        (b"\x03\x00\x41\x00\x01", "not allowed inside"),  # resource instance inside an object instance
        (b"\xc3\x09\x00\x00\x01", "integer of 3 bytes"),
        (b"\x83\x06\xc1\x00\x01", "not allowed inside multiple resource"),  # resource inside a multiple
    ],
)
def test_tlv_rejects_malformed(payload: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        codecs.decode(codecs.TLV, payload, (3, 0), REG)


@pytest.mark.parametrize(
    ("cf", "payload", "message"),
    [
        (codecs.SENML_JSON, b"{", "not valid JSON"),
        (codecs.SENML_JSON, b"[" * 100000, "not valid JSON"),
        (codecs.LWM2M_JSON, b"[" * 100000, "not valid JSON"),
        (codecs.SENML_CBOR, b"\x81" * 100000, "not valid CBOR"),
        (codecs.SENML_JSON, b'{"n":"x"}', "array of records"),
        (codecs.SENML_JSON, b'[{"n":"/3/0/9","v":"1"}]', "'v' is not a number"),
        (codecs.SENML_JSON, b'[{"n":"/3/x/9","v":1}]', "not a number"),
        (codecs.SENML_JSON, b'[{"n":"/3/0/9","v":1,"vs":"a"}]', "several values"),
        (codecs.SENML_JSON, b'[{"n":"/3/0/9","vs":"a"}]', "expected an integer"),
        (codecs.SENML_JSON, b'[{"n":"/3/0/99999"}]', "out of range"),
        (codecs.SENML_CBOR, b"\xff\x00", "not valid CBOR"),
        (codecs.SENML_CBOR, cbor2.dumps({"a": 1}), "array of records"),
        (codecs.TEXT, b"12a", "not an integer"),
        (codecs.TEXT, b"\xff\xfe", "UTF-8"),
        (codecs.LWM2M_JSON, b'{"e":[{"n":"9","bv":1}]}', "no valid value"),
        (codecs.LWM2M_JSON, b'{"e":[{"v":"1"}]}', "no valid value"),
        (codecs.LWM2M_JSON, b'{"e":{}}', "an 'e' array"),
        (codecs.LWM2M_JSON, b'{"e":[{"bv":true}]}', "expected an integer, got a boolean"),
        (codecs.OPAQUE, b"abc", "integer resource"),
        (codecs.SENML_JSON, b'[{"n":"/3/0/9","v":true}]', "'v' is not a number"),
        (codecs.SENML_JSON, b'[{"n":"/3/0/9"}]', "carries no value"),
        (codecs.SENML_JSON, b"[" + b'{"n":"/3/0/9","v":1},' * 10000 + b'{"n":"/3/0/9","v":1}]', "more than 10000"),
        (4711, b"abc", "unsupported content format 4711"),
    ],
)
def test_decoders_reject_malformed_with_a_clear_error(cf: int, payload: bytes, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        codecs.decode(cf, payload, (3, 0, 9), REG)


def test_lwm2m_json_decodes_typed_values() -> None:
    doc = (
        b'{"bn":"/3/0/","e":[{"n":"0","sv":"ACME"},{"n":"6/0","v":1},{"n":"13","v":1700000000},'
        b'{"n":"22/0","ov":"3303:0"}]}'
    )
    assert codecs.decode(codecs.LWM2M_JSON, doc, (3, 0), REG) == {
        (3, 0, 0): "ACME",
        (3, 0, 6, 0): 1,
        (3, 0, 13): 1700000000,
        (3, 0, 22, 0): ObjLnk(3303, 0),
    }


def test_plain_text_carries_one_resource_only() -> None:
    with pytest.raises(CodecError, match="exactly one"):
        codecs.encode(codecs.TEXT, {(3, 0, 0): "a", (3, 0, 1): "b"}, (3, 0), REG)
    with pytest.raises(CodecError, match="expected a boolean"):
        codecs.encode(codecs.TEXT, {(3311, 0, 5850): 1}, (3311, 0, 5850), REG)


@pytest.mark.parametrize("cf", [codecs.TEXT, codecs.TLV, codecs.SENML_JSON, codecs.SENML_CBOR])
def test_text_without_a_utf8_form_is_refused_in_every_format(cf: int) -> None:
    # a lone surrogate (e.g. from os.fsdecode of a bad file name) was a UnicodeEncodeError
    with pytest.raises(CodecError, match=r"/3/0/0: '\\udcff' has no UTF-8 form"):
        codecs.encode(cf, {(3, 0, 0): "\udcff"}, (3, 0, 0), REG)
    with pytest.raises(CodecError, match="has no UTF-8 form"):
        codecs.encode(cf, {(3, 0, 0): "ok\ud800"}, (3, 0, 0), None)


LINK_TEXT = st.text(st.characters(codec="ascii", exclude_characters='"<>,;= \\'), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(IDS, min_size=1, max_size=3).map(lambda ids: "/" + "/".join(map(str, ids))),
            st.dictionaries(
                st.sampled_from(["ver", "ct", "rt", "obs", "dim", "pmin"]),
                st.none() | LINK_TEXT | st.text(max_size=8).filter(lambda s: '"' not in s),
                max_size=3,
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_link_format_round_trip(items: list) -> None:
    links = [Link(target, attrs) for target, attrs in items]
    assert parse_links(format_links(links)) == links


@pytest.mark.parametrize(
    "text", [b"/3/0", b"x</3/0>", b"</3/0", b"</3/0>;", b"</3/0>,", b'</3/0>;rt="x', b"</3/0>x", b"\xff"]
)
def test_link_format_rejects_malformed(text: bytes) -> None:
    with pytest.raises(CodecError):
        parse_links(text)


def test_shipped_models_have_standard_resources() -> None:
    assert sorted(REG.objects) == [0, 1, 3, 4, 5, 3303, 3311]
    fw = REG.objects[5]
    assert fw.resources[0].type is ResourceType.OPAQUE and fw.resources[0].operations == "W"
    assert fw.resources[2].operations == "E" and fw.resources[3].type is ResourceType.INTEGER
    assert REG.objects[3].resources[11].multiple and REG.objects[3].resources[11].mandatory
    assert REG.objects[3303].resources[5700].type is ResourceType.FLOAT
    assert REG.objects[3311].resources[5850].type is ResourceType.BOOLEAN
    assert REG.objects[1].resources[1].name == "Lifetime" and REG.objects[1].multiple
    assert REG.objects[3].resources[22].type is ResourceType.OBJLNK


def test_extra_model_directory_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "9999.xml").write_text(
        "<LWM2M><Object><Name>Extra</Name><ObjectID>9999</ObjectID><MultipleInstances>Multiple"
        "</MultipleInstances><Resources><Item ID='1'><Name>Level</Name><Operations>RW</Operations>"
        "<MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory><Type>Float</Type>"
        "</Item></Resources></Object></LWM2M>"
    )
    registry = ObjectRegistry([tmp_path])
    assert registry.type_of((9999, 0, 1)) is ResourceType.FLOAT and 3 in registry.objects
    assert codecs.decode(codecs.TEXT, b"2.5", (9999, 0, 1), registry) == {(9999, 0, 1): 2.5}


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<LWM2M><Object>", "not valid XML"),
        ("<LWM2M></LWM2M>", "no <Object>"),
        ("<LWM2M><Object><ObjectID>x</ObjectID></Object></LWM2M>", "ObjectID"),
        (
            "<LWM2M><Object><ObjectID>1</ObjectID><Resources><Item ID='1'><Type>Quaternion</Type></Item>"
            "</Resources></Object></LWM2M>",
            "unknown type",
        ),
    ],
)
def test_bad_model_files_are_config_errors(xml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_object_xml(xml)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([0, 1, 2, 3]),
    st.integers(0, 255),
    st.integers(0, 0xFFFF),
    st.binary(max_size=8),
    st.lists(st.tuples(st.integers(1, 2000), st.binary(max_size=300)), max_size=6),
    st.binary(max_size=100),
)
def test_test_clients_coap_codec_round_trips(
    mtype: int, code: int, mid: int, token: bytes, options: list, payload: bytes
) -> None:
    from rig.lwm2m import coapwire as cw

    msg = cw.Msg(mtype, code, mid, token, sorted(options, key=lambda o: o[0]), payload)
    back = cw.decode(cw.encode(msg))
    assert back == msg


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_test_clients_coap_decoder_only_raises_value_error(data: bytes) -> None:
    from rig.lwm2m import coapwire as cw

    with contextlib.suppress(ValueError):
        cw.decode(data)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([codecs.TLV, codecs.TEXT, codecs.OPAQUE, codecs.SENML_JSON, codecs.SENML_CBOR, codecs.LWM2M_JSON]),
    st.sampled_from([(3,), (3, 0), (3, 0, 9), (3, 0, 6), (5, 0, 0), (3303, 0, 5700), (), (9999, 1, 2)]),
    st.binary(max_size=120) | st.builds(cbor2.dumps, st.lists(st.dictionaries(st.integers(-3, 8), st.integers()))),
)
def test_decoders_raise_only_codec_errors_on_arbitrary_input(cf: int, base: tuple, data: bytes) -> None:
    with contextlib.suppress(CodecError):
        codecs.decode(cf, data, base, REG)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.binary(max_size=80))
def test_link_parser_raises_only_codec_errors(data: str | bytes) -> None:
    with contextlib.suppress(CodecError):
        parse_links(data)


def test_tlv_header_and_integer_encodings_at_their_boundaries() -> None:
    # ID 255 still fits one byte; 256 needs the 16-bit-ID flag; length 8 leaves the inline 3-bit field.
    assert tlv.serialize([tlv.Tlv(tlv.RESOURCE, 255, b"\x01")]) == b"\xc1\xff\x01"
    assert tlv.serialize([tlv.Tlv(tlv.RESOURCE, 256, b"\x01")]) == b"\xe1\x01\x00\x01"
    assert tlv.serialize([tlv.Tlv(tlv.RESOURCE, 1, b"x" * 8)]) == b"\xc8\x01\x08" + b"x" * 8
    assert tlv.parse(b"\xc0\x01") == [tlv.Tlv(tlv.RESOURCE, 1, b"")]  # empty value ending the payload
    encodings = {127: "7f", 128: "0080", -128: "80", -129: "ff7f", 2**31: "0000000080000000", 2**64 - 1: "ff" * 8}
    assert {v: tlv.encode_value(v).hex() for v in encodings} == encodings


def test_tlv_unsigned_64_bit_round_trips() -> None:
    path = (5, 0, 13)  # Maximum Defer Period: Unsigned Integer
    raw = codecs.encode(codecs.TLV, {path: 2**64 - 1}, path, REG)
    assert codecs.decode(codecs.TLV, raw, path, REG) == {path: 2**64 - 1}


@pytest.mark.parametrize(
    ("raw", "rtype", "message"),
    [
        (b"\x02", ResourceType.BOOLEAN, "boolean must be one byte 0 or 1"),
        (b"\x00\x01\x02", ResourceType.OBJLNK, "object link of 3 bytes"),
        (b"\x00\x00\x01", ResourceType.FLOAT, "float of 3 bytes"),
    ],
)
def test_tlv_rejects_mistyped_values(raw: bytes, rtype: ResourceType, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        tlv.decode_value(raw, rtype, (1, 0, 1))


@pytest.mark.parametrize(
    ("cf", "values", "base", "message"),
    [
        (codecs.TLV, {(3, 1, 0): "x"}, (3, 0), "not a resource below /3/0"),
        (codecs.SENML_JSON, {(3, 1, 0): "x"}, (3, 0), "not below /3/0/"),
        (codecs.TEXT, {(3, 0, 1): "x"}, (3, 0, 0), "exactly one"),
        (codecs.TLV, {(5, 0, 13): -1}, (5, 0, 13), "unsigned integer -1 is negative"),
        (codecs.SENML_JSON, {(3, 0, 9): 2**64}, (3, 0, 9), "does not fit in 64 bits"),
        (codecs.SENML_JSON, {(3, 0, 9): True}, (3, 0, 9), "expected an integer, got a boolean"),
        (codecs.SENML_JSON, {(3303, 0, 5700): True}, (3303, 0, 5700), "expected a float, got bool"),
        (codecs.TEXT, {(3, 0, 22, 0): "70000:0"}, (3, 0, 22, 0), "not 'OBJ:INST'"),
    ],
)
def test_encoders_refuse_values_that_do_not_fit(cf: int, values: dict, base: tuple, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        codecs.encode(cf, values, base, REG)


@pytest.mark.parametrize(
    ("cf", "payload", "base", "message"),
    [
        (codecs.TEXT, b"2", (3311, 0, 5850), "boolean must be '0' or '1'"),
        (codecs.TEXT, b"abc", (3, 0), "only resource requests"),
        (codecs.TEXT, b"QUJD!!!!", (5, 0, 0), "not valid base64"),
    ],
)
def test_plain_text_rejects_bad_values(cf: int, payload: bytes, base: tuple, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        codecs.decode(cf, payload, base, REG)


def test_missing_content_format_is_plain_text_and_objlnk_text_is_parsed() -> None:
    assert codecs.decode(None, b"42", (3, 0, 9), REG) == {(3, 0, 9): 42}
    raw = codecs.encode(codecs.TLV, {(3, 0, 22, 0): "3303:1"}, (3, 0, 22, 0), REG)
    assert codecs.decode(codecs.TLV, raw, (3, 0, 22, 0), REG) == {(3, 0, 22, 0): ObjLnk(3303, 1)}


def test_senml_cbor_uses_the_rfc_8428_labels() -> None:
    # Interop: a device sends integer labels (bn -2, n 0, vs 3, vb 4); our encoder must send the same.
    doc = cbor2.dumps([{-2: "/3311/0/", 0: "5850", 4: True}, {0: "5750", 3: "lamp"}])
    assert codecs.decode(codecs.SENML_CBOR, doc, (3311, 0)) == {(3311, 0, 5850): True, (3311, 0, 5750): "lamp"}
    out = cbor2.loads(codecs.encode(codecs.SENML_CBOR, {(3, 0, 0): "ACME", (3, 0, 1): False}, (3, 0)))
    assert out == [{-2: "/3/0/", 0: "0", 3: "ACME"}, {0: "1", 4: False}]


def test_senml_json_sends_opaque_as_unpadded_base64url() -> None:
    assert codecs.encode(codecs.SENML_JSON, {(5, 0, 0): b"\xfb\xff"}, (5, 0, 0)) == b'[{"bn":"/5/0/0","vd":"-_8"}]'


def test_link_format_quotes_separators_and_bounds_the_link_count() -> None:
    links = [Link("/3/0", {"rt": "a,b", "ct": "x;y"})]
    assert format_links(links) == b'</3/0>;rt="a,b";ct="x;y"'
    assert parse_links(format_links(links)) == links
    with pytest.raises(CodecError, match="more than 4096 links"):
        parse_links(b",".join([b"</1>"] * 4097))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/3/0/", (3, 0)), ("/65535/65535/65535/65535", (65535, 65535, 65535, 65535)), ("/", ())],
)
def test_path_parsing_accepts_the_edges(text: str, expected: tuple) -> None:
    assert codecs.parse_path(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/1/2/3/4/5", "more than 4 levels"),
        ("/65536", "out of range"),
        ("//3", "empty segment"),
        ("3/0", "start"),
        ("/3/\u0663", "not a number"),  # an Arabic-Indic digit is not an ID
    ],
)
def test_path_parsing_rejects_bad_paths(text: str, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        codecs.parse_path(text)


@pytest.mark.parametrize(("fmt", "number"), [("senml-cbor", 112), ("TLV", 11542), ("112", 112), (0, 0), (65535, 65535)])
def test_format_number_accepts_names_and_numbers(fmt: str | int, number: int) -> None:
    assert codecs.format_number(fmt) == number


@pytest.mark.parametrize(("fmt", "message"), [(-1, "out of range"), (65536, "out of range"), ("tvl", "unknown")])
def test_format_number_rejects_bad_formats(fmt: str | int, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        codecs.format_number(fmt)


def test_lwm2m_json_names_are_relative_to_bn_or_the_request_path() -> None:
    assert codecs.decode(codecs.LWM2M_JSON, b'{"e":[{"n":"0","sv":"ACME"}]}', (3, 0), REG) == {(3, 0, 0): "ACME"}
    assert codecs.decode(codecs.LWM2M_JSON, b'{"bn":"/3/0","e":[{"n":"1","sv":"x"}]}', (3,), REG) == {(3, 0, 1): "x"}
    assert codecs.decode(codecs.LWM2M_JSON, b'{"e":[{"sv":"AQI"}]}', (5, 0, 0), REG) == {(5, 0, 0): b"\x01\x02"}


@pytest.mark.parametrize(
    ("payload", "base", "message"),
    [
        (b"\x03\x00\xc1\x09\x64", (), "needs an object ID"),  # object instance on a request for /
        (b"\xc1\x09\x64", (3,), "resource 9 at top level"),  # resource on an object request
        (b"\x41\x00\x01", (3, 0), "resource instance at top level"),  # resource instance on an instance request
    ],
)
def test_tlv_entries_must_fit_the_request_depth(payload: bytes, base: tuple, message: str) -> None:
    with pytest.raises(CodecError, match=message):
        codecs.decode(codecs.TLV, payload, base, REG)


def test_tlv_write_of_one_resource_instance_is_a_resource_instance_entry() -> None:
    raw = codecs.encode(codecs.TLV, {(3, 0, 22, 0): ObjLnk(3303, 1)}, (3, 0, 22, 0), REG)
    assert raw == b"\x44\x00\x0c\xe7\x00\x01"
