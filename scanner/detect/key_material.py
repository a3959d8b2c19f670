"""One key, one identity: a PEM block's canonical form, whatever file it was pasted into.

The same private key turns up with its lines indented (a YAML block), joined by `\\n` escapes
(a JSON string, an .env value), with `\\r\\n` endings or trailing spaces. Byte for byte these
are different secrets, so each copy used to be a finding of its own. A key's secret is
therefore its header, the characters of its body that carry data, and its footer: every
copy of one key gets one fingerprint, and its copies become that finding's locations.
"""

from __future__ import annotations

import re

# What is not data inside a body: whitespace, escaped line ends, quotes and the `"\n" +`
# of a string split over source lines (bounded runs: the guard's rule for every regex).
_NOT_DATA = re.compile(
    rb"[\"'`][ \t\r\n]{0,64}\+[ \t\r\n]{0,64}[\"'`]|\\{1,4}[nrt]|[\s\"'`]{1,256}"
)


def canonical_key(secret: bytes) -> bytes:
    """The PEM block in `secret` as header, newline, data characters, newline, footer; the
    secret unchanged when it holds no complete block (an OpenSSH or PuTTY body, say)."""
    # Found with find(), not a regex: a block is thousands of characters long.
    begin = secret.find(b"-----BEGIN ")
    if begin < 0:
        return secret
    header_end = secret.find(b"-----", begin + len(b"-----BEGIN "))
    if header_end < 0:
        return secret
    header_end += len(b"-----")
    footer = secret.find(b"-----END ", header_end)
    footer_end = secret.find(b"-----", footer + len(b"-----END ")) if footer >= 0 else -1
    if footer_end < 0:
        return secret
    footer_end += len(b"-----")
    body = _NOT_DATA.sub(b"", secret[header_end:footer])
    return secret[begin:header_end] + b"\n" + body + b"\n" + secret[footer:footer_end]
