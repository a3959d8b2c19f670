"""Rules bound to credential files, run over the whole file, keeping every stored credential.

In a committed `.netrc`, `.pgpass` or FileZilla `sitemanager.xml`, the value after
`password` is a password whatever it looks like: `pass123` there is a real (weak) password,
not a placeholder. So a rule bound to such files (its `files` key) skips the shared heuristics
that drop human-typed or weak values elsewhere (placeholder words, runs, sequences, low
entropy) and drops only a template: a value that is, as a whole, `<your-password>`, `${VAR}`,
`%VAR%`, `{{ var }}`, `<%= … %>`, `changeme`, `xxxx`, `****` or `...`. Its own
`placeholders`, `min_entropy` and `checksum` still apply, and so do inline allow markers.

The Matcher runs these rules only on a file whose name calls for them (the caller knows the
path: the staged change, or scanner.scan.named_files for a history); their patterns are
never screened over other content.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from scanner.detect.checksums import CHECKSUMS
from scanner.detect.filters import is_low_entropy
from scanner.detect.lines import LineIndex
from scanner.matches import Match
from scanner.rules.pack import Rule

# A value that is a template as a whole; a template's text inside a longer value (a `<` in
# random text) is not one. Compiled on first use: the hook imports this module on every run.
_TEMPLATE = r"""(?ix)
    <[^<>]{0,512}>                             # <your-password>
    | \$\{[^{}]{0,512}\} | \$\([^()]{0,512}\)      # ${VAR}, $(command)
    | \$[a-z_][a-z0-9_]* | %[a-z_][a-z0-9_]*%  # $VAR, %VAR%
    | \{\{.{0,512}\}\} | \{%.{0,512}%\} | <%.{0,512}%> | \#\{[^{}]{0,512}\}  # Jinja, ERB, Ruby
    | change[_-]?me | x{3,} | \*{3,} | \.{3,} | \u2026 | -+ | none | null | nil
    | (?:your|my)[_-]?(?:pass(?:word)?|secret|token|api[_-]?key|key)(?:[_-]?here)?
    | (?:pass(?:word)?|secret|token)[_-]?here
    """


def is_template(value: str) -> bool:
    """A value that only stands for a credential: empty, or a template as a whole."""
    stripped = value.strip().strip("'\"")
    return not stripped or _template().fullmatch(stripped) is not None


@functools.cache
def _template() -> re.Pattern[str]:
    return re.compile(_TEMPLATE)


def file_matches(rules: Iterable[Rule], content: bytes) -> list[Match]:
    """Every credential the rules bound to this file find in it, in rule order."""
    found: list[Match] = []
    for rule in rules:
        lines = LineIndex(content)
        for hit in rule.regex.finditer(content):
            secret = hit.group(rule.secret_group)
            if not secret:
                continue
            position = hit.start(rule.secret_group)
            line_start = lines.locate(position)
            if lines.allowed(line_start) or is_stored_value_dropped(rule, secret):
                continue
            found.append(
                Match(
                    rule_id=rule.id,
                    secret=secret,
                    line=lines.line_number,
                    column=position - line_start + 1,
                    offset=position,
                )
            )
    return found


def is_stored_value_dropped(rule: Rule, secret: bytes) -> bool:
    """The filters a credential file's value passes: templates, and the rule's own."""
    text = secret.decode("utf-8", "replace")
    if is_template(text):
        return True
    if any(pattern.search(text) for pattern in rule.placeholders):
        return True
    if is_low_entropy(text, rule.min_entropy):
        return True
    return rule.checksum is not None and not CHECKSUMS[rule.checksum](text)
