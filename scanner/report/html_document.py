"""The shell around the HTML report's body: the head, the inline style and script, and a
Content-Security-Policy that pins both by hash and forbids every network load.

The style and script are kept as files in assets/ so they can be read and edited as CSS and
JavaScript; they are read once, on import, and still inlined, so the page stays one
self-contained file that can be mailed, archived or opened offline.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from scanner.report.html_values import esc

_ASSETS = Path(__file__).with_name("assets")
# The files are indented for reading; the page carries each line without its indentation.
_INDENTATION = re.compile(r"\n\s*")


def _inline_asset(name: str) -> str:
    source = (_ASSETS / name).read_text(encoding="utf-8")
    return _INDENTATION.sub("\n", source).strip()


STYLE = _inline_asset("report.css")
SCRIPT = _inline_asset("report.js")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def html_document(title: str, body: str, *, style: str = STYLE, script: bool = True) -> str:
    """The whole page around `body`, with `title` (escaped here) in its head; the
    organisation dashboard passes its own `style` and `script=False` (it has none)."""
    # Only this exact style and script may run: an injected tag would be inert even if some
    # value escaped escaping, and no fetch of any kind is allowed.
    scripts = _csp_hash(SCRIPT) if script else "'none'"
    policy = (
        "default-src 'none'; "
        f"style-src {_csp_hash(style)}; script-src {scripts}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    tail = f"<script>{SCRIPT}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>{style}</style>\n</head>\n<body>\n{body}\n"
        f"{tail}</body>\n</html>\n"
    )
