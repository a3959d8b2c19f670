"""One key, one identity: a PEM block's canonical form, whatever file it was pasted into.

The same private key turns up with its lines indented (a YAML block), joined by `\\n` escapes
(a JSON string, an .env value), with `\\r\\n` endings or trailing spaces. Byte for byte these
are different secrets, so each copy used to be a finding of its own. A key's secret is
therefore its header, the characters of its body that carry data, and its footer: every
copy of one key gets one fingerprint, and its copies become that finding's locations.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(rb"(-----BEGIN [A-Z0-9 ]{1,40}-----)(.*?)(-----END [A-Z0-9 ]{1,40}-----)", re.S)
# What is not data inside a body: whitespace, escaped line ends, quotes and the `"\n" +`
# of a string split over source lines.
_NOT_DATA = re.compile(rb"[\"'`]\s*\+\s*[\"'`]|\\+[nrt]|[\s\"'`]+")


def canonical_key(secret: bytes) -> bytes:
    """The PEM block in `secret` as header, newline, data characters, newline, footer; the
    secret unchanged when it holds no complete block (an OpenSSH or PuTTY body, say)."""
    block = _BLOCK.search(secret)
    if block is None:
        return secret
    header, body, footer = block.groups()
    return header + b"\n" + _NOT_DATA.sub(b"", body) + b"\n" + footer
