"""CoRE Link Format (RFC 6690, content format 40) as LwM2M uses it (registration, discover)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rig.lwm2m.codecs.common import CodecError

MAX_LINKS = 4096


@dataclass
class Link:
    target: str  # URI reference between < and >, e.g. "/3/0"
    attrs: dict[str, str | None] = field(default_factory=dict)  # None: a flag attribute ("obs")

    def __str__(self) -> str:
        parts = [f"<{self.target}>"]
        for key, value in self.attrs.items():
            if value is None:
                parts.append(key)
            elif _needs_quotes(value):
                parts.append(f'{key}="{value}"')
            else:
                parts.append(f"{key}={value}")
        return ";".join(parts)


def _needs_quotes(value: str) -> bool:
    return value == "" or any(c in value for c in ',;" <>=') or not value.isascii()


def _is_token(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "!#$&+-.^_`|~*" for c in name)


def parse_links(data: bytes | str) -> list[Link]:
    """Parse a link-format document; rejects anything that is not '<target>;attr...' separated by ','."""
    if isinstance(data, bytes):
        try:
            text = data.decode()
        except UnicodeDecodeError:
            raise CodecError("link format: payload is not valid UTF-8") from None
    else:
        text = data
    links: list[Link] = []
    pos, n = 0, len(text)
    while pos < n:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            break
        if text[pos] != "<":
            raise CodecError(f"link format: expected '<' at offset {pos}, got {text[pos]!r}")
        end = text.find(">", pos)
        if end < 0:
            raise CodecError(f"link format: unterminated '<' at offset {pos}")
        link = Link(text[pos + 1 : end])
        pos = end + 1
        while pos < n and text[pos] == ";":
            pos += 1
            eq = pos
            while eq < n and text[eq] not in "=;,":
                eq += 1
            name = text[pos:eq].strip()
            if not _is_token(name):
                raise CodecError(f"link format: bad attribute name {name!r} at offset {pos}")
            if eq < n and text[eq] == "=":
                pos = eq + 1
                if pos < n and text[pos] == '"':
                    close = text.find('"', pos + 1)
                    if close < 0:
                        raise CodecError(f"link format: unterminated quoted value at offset {pos}")
                    value: str | None = text[pos + 1 : close]
                    pos = close + 1
                else:
                    stop = pos
                    while stop < n and text[stop] not in ";,":
                        stop += 1
                    value = text[pos:stop]
                    pos = stop
            else:
                value = None
                pos = eq
            link.attrs[name] = value
        links.append(link)
        if len(links) > MAX_LINKS:
            raise CodecError(f"link format: more than {MAX_LINKS} links")
        if pos < n:
            if text[pos] != ",":
                raise CodecError(f"link format: expected ',' at offset {pos}, got {text[pos]!r}")
            pos += 1
            if pos >= n:
                raise CodecError("link format: trailing ','")
    return links


def format_links(links: list[Link]) -> bytes:
    return ",".join(str(link) for link in links).encode()
