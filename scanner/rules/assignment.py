r"""The grammars that provider rules bound to a name share: `{assign}` and `{near}`.

Many provider keys have no prefix of their own (a Deepgram key is 40 hex digits), so their
rules read a name first: the provider, a key word, then a separator, then the value. Each of
those rules used to carry its own small separator regex (`=`, `:`, `=>`, a comma between
quoted arguments) and so missed the same key in every other syntax: `KEY ?= value` in a
Makefile, `ENV KEY value` in a Dockerfile, `var key string = "…"` in Go, an XML element whose
value sits on the next line, a Kubernetes `- name: KEY` / `value: …` pair. A rule writes
`{assign}` between its name and its value instead; loading a rule file replaces it with
`ASSIGNMENT` below, so every such rule reads every syntax listed here, and a syntax added here
reaches all of them at once.

The grammar starts right after the name (the rule keeps its own name regex, which ends on the
name's last character) and ends right before the value's first character:

    name      `"KEY": `, `['KEY'] = `, `\"KEY\": \"`: a closing quote or bracket, escaped or not
    operator  `=`, `:=`, `::=`, `:::=`, `?=`, `+=`, `=>`, `<-` (R), `:`, and `.=` (PHP) after
              a blank; then a string type may come before a second `=` (`KEY: string =`:
              TypeScript, Kotlin, Swift, Rust `&str`, Python `str`), and a heredoc opener
              (`<<EOT`, `<<-EOT`, `<<~EOS`, `<<<EOT`) or a YAML literal block (`|`, `|-`) may put
              the value at the start of the next line
    typed     Go's `var key string = `: a string type between blanks and the operator
    call      `("KEY", "value")`, `define('KEY', 'value')`, `Client("value")`: a `(` or `,`,
              also `, value="…"` (keyword arguments, ECS and ARM `"name": …, "value": …`)
    element   `<key>value`, also with the value on the next line
    pair      `- name: KEY` + newline + `value: …` (Kubernetes, CloudFormation), and
              `key="KEY" value="…"` (.NET `<add>`, PHPUnit `<env>`)
    space     blanks alone: `ENV KEY value` (Dockerfile), `key value` (.properties),
              `--key value`

then an optional opening quote: `"`, `'` or a backtick, escaped (`\"`) or not, after C#'s `@`.

Every part is bounded (no `*`, no `+`) and holds no backreference and no conditional, so
Hyperscan can screen a rule that uses it. Every way through it begins with a byte a name
cannot hold and every run of blanks ends on a literal, so the regex cost guard
(`scanner.rules.regex_cost`) sees few ways to read one text; the guard's bound, not taste,
decided what is left out (a folded `>` block, whose `>` would make `=>` read two ways). The
newlines make a rule that uses it multi-line: it is looked for within its reach of a keyword
hit rather than on the keyword's line alone (`scanner.detect.rule_shape`).

`{near}` is the looser sibling, for a value with a shape of its own that only needs the
provider's name somewhere before it (see `NEAR` below).
"""

from __future__ import annotations

import functools
import importlib
import re

ASSIGN_MACRO = "{assign}"

# The regex cost guard bounds the paths through a pattern by multiplying the places each
# ambiguous part can end, so every way through the grammar begins with a byte a name cannot
# hold (a quote, a blank, an operator, `(`, `,`, `>`, a newline): where the name ends is never
# in doubt. Built from named parts so each syntax can be read on its own.
_NAME_CLOSE = r"""(?:\\?["'\]]){0,2}"""
# A string type after the name: `: string` (TypeScript), `: String` (Kotlin, Swift, Scala),
# `: &str` / `: &'static str` (Rust), `: str` (Python), Go's `string` (`var key string =`).
# Only string types: a secret is text, and an open-ended type name would read the value.
_TYPE_WORD = r"""(?:&(?:'static )?str|[Ss]tr(?:ing)?|SecretStr)"""
# What may follow an operator and put the value on the next line: a heredoc, a YAML literal
# block (`|`; a folded `>` is left out: after `=` it would make `=>` read two ways).
_NEXT_LINE = (
    r"""(?:(?:<{2,3}[-~]?["']?[A-Za-z_][A-Za-z0-9_]{0,20}["']?|\|[-+]?)\r?\n[ \t]{0,40})?"""
)
# A typed declaration puts its string type after the operator-like colon (`KEY: string =`):
# the type is read after the gap that follows any operator, which keeps the parts apart.
_ASSIGNED = (
    r"""(?:=>?|:(?::{0,2}=)?|[+?]=|<-)[ \t]{0,10}(?:"""
    + _TYPE_WORD
    + r"""[ \t]{0,10}=[ \t]{0,10})?"""
    + _NEXT_LINE
)
# `.=` (PHP) only after a blank: a name can hold a dot.
_ASSIGNED_AFTER_BLANK = r"""(?:\.=[ \t]{0,10}|""" + _ASSIGNED + ")"
_VALUE_KEY = r"""\\?["']?[Vv]alue\\?["']?[ \t]{0,4}[:=][ \t]{0,4}"""
_CALL = r"""[(,][ \t]{0,40}""" + f"(?:{_VALUE_KEY})?"
_ELEMENT = r""">[ \t]{0,4}(?:\r?\n[ \t]{0,40})?"""
_NEXT_LINE_PAIR = r"""\r?\n[ \t]{0,40}""" + _VALUE_KEY
_AFTER_BLANK = "|".join(
    (_ASSIGNED_AFTER_BLANK, _CALL, _VALUE_KEY, _TYPE_WORD + r"""[ \t]{1,10}:?=[ \t]{0,10}""")
)
_DIRECT = "|".join((_ASSIGNED, _CALL, _ELEMENT, _NEXT_LINE_PAIR))
_OPENING_QUOTE = r"""(?:@?\\?["'`])?"""

ASSIGNMENT = _NAME_CLOSE + r"""(?:[ \t]{1,10}""" + f"(?:{_AFTER_BLANK})?|{_DIRECT}){_OPENING_QUOTE}"


# `{near}`: the looser sibling, for rules whose value has a shape of its own (`SK` and 32 hex
# digits for Twilio) and which only ask for the provider's name somewhere before it: later on
# the same line, or at the start of the next one, after blanks and an optional `value:` key
# (an XML element, a Kubernetes name/value pair, a heredoc, a YAML block).
NEAR_MACRO = "{near}"
NEAR = (
    r"""[^\n]{0,80}?(?:\r?\n[ \t]{0,40}"""
    r"""(?:\\?["']?[Vv]alue\\?["']?[ \t]{0,4}[:=][ \t]{0,4}\\?["']?)?)?"""
)


def expand_assignments(pattern: str) -> str:
    """`pattern` with every `{assign}` and `{near}` replaced by its shared grammar."""
    return pattern.replace(ASSIGN_MACRO, ASSIGNMENT).replace(NEAR_MACRO, NEAR)


# Every byte the grammar can match lies in this class (tested): printable ASCII, tab, newline,
# carriage return.
_GRAMMAR_BYTES = r"""[\t\n\r -~]"""


@functools.cache
def screening_stand_in() -> str:
    """What the Hyperscan screen looks for in place of the grammar: a run of the bytes it can
    hold, as long as its longest match. A superset (the rule's own regex still decides) that
    Hyperscan compiles at a fraction of the cost: the grammar itself, in some 260 rules,
    tripled the time to build the screen (about 6 s to 18 s)."""
    parser = importlib.import_module("re._parser" if hasattr(re, "_parser") else "sre_parse")
    _, widest = parser.parse(ASSIGNMENT).getwidth()
    return f"{_GRAMMAR_BYTES}{{0,{widest}}}"
