"""The bounds of one pattern, top down: each part costed with what may follow it.

Each part is told what may follow it: the bytes the rest can start with, and whether the rest
may end the match at once (then the part's first end is a success and it is never backed
into). Of the ends a part reaches on one text, all but the longest are followed by a byte of
its `ext`, so at most `mult × spread` paths leave it alive when `ext` meets what follows, and
`mult` otherwise. Then:

- a sequence costs its first part, plus the rest once per path alive out of it;
- alternatives cost, for the worst next byte, every alternative that byte can enter;
- a repeat costs one round per path alive out of the previous round into another round: one
  path gives a linear cost, two or more the exponential cost of `(a+)+`, `(?:a|a)*` or
  `(\\w{0,64}){0,64}`; several paths alive into a following part that can read the same text
  multiply (`\\w*\\w*x`: the polynomial cost, of degree the number of such parts);
- lookarounds and atomic groups cost their own search at each visit and leave one path;
  a backreference matches one way; anything else is refused (`Unsupported`).

Across start positions: when an attempt fails after a long run of a repeat, the attempts that
start inside the run read it again if the part of the pattern before the repeat can match text
made only of the repeat's bytes (`\\S+"` on a line of `key=key=…`): a search quadratic in
the run. A pattern anchored at the start of the text, and a repeat that ends the match (its
runs succeed and the search moves past them), are exempt.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from scanner.rules.regex_cost.analysis import Analysis, Blame
from scanner.rules.regex_cost.char_sets import NEWLINE
from scanner.rules.regex_cost.parts import END, Follow, Part, rounds_are_unambiguous
from scanner.rules.regex_cost.steps import ONE, Steps, geometric, larger, mul, plus


class Preceding(NamedTuple):
    """A sequence that encloses a part: its parts, and how many of them were matched before
    that part (`parts[:matched]`)."""

    parts: tuple[Part, ...]
    matched: int


# The parts an attempt has matched before reaching a part: one `Preceding` per enclosing
# sequence (a chain, not a copied tuple of parts: sequences can be long).
_Before = tuple[Preceding, ...]


def bound_costs(root: Part, subject: int) -> Analysis:
    """The bounds for the parts of a pattern (`build_parts`) on texts of `subject` characters."""
    return _CostModel(subject).run(root)


class _CostModel:
    def __init__(self, subject: int) -> None:
        self._subject = float(subject)
        self._rescans: list[Part] = []
        self._costliest = Blame(0.0, "", ())

    def run(self, root: Part) -> Analysis:
        attempt = self._cost(root, END, ())
        return Analysis(attempt, tuple(self._rescans), self._costliest)

    def _times(self, count: Steps, cost: Steps) -> Steps:
        """`count` paths (fixed + per byte) each paying `cost`."""
        return Steps(
            mul(count.fixed, cost.fixed),
            mul(count.per_byte, cost.fixed)
            + mul(count.fixed, cost.per_byte)
            + mul(mul(count.per_byte, cost.per_byte), self._subject),
        )

    def _bounded(self, part: Part, cost: Steps) -> Steps:
        """A part that reads a bounded length pays its per-byte cost once, as a fixed one."""
        if cost.per_byte and part.longest < self._subject:
            return Steps(cost.fixed + mul(cost.per_byte, part.longest), 0.0)
        return cost

    def _blame(self, cost: Steps, kind: str, *parts: Part) -> None:
        total = cost.fixed + mul(cost.per_byte, self._subject)
        if total > self._costliest.cost:
            self._costliest = Blame(total, kind, parts)

    def _cost(self, part: Part, follow: Follow, before: _Before) -> Steps:
        kind = part.kind
        if kind in ("atom", "literal", "anchor"):
            return ONE
        if kind == "backref":
            return self._bounded(part, Steps(1.0, 1.0))
        if kind == "sequence":
            return self._sequence(part, follow, before)
        if kind == "alternation":
            return self._alternatives(part, follow, before)
        if kind == "repeat":
            return self._bounded(
                part, self._repeat(part, END if part.possessive else follow, before)
            )
        # look, atomic: their own search at each visit, then one path out
        inner = self._cost(part.parts[0], END, before)
        return Steps(inner.fixed + 1, inner.per_byte)

    def _sequence(self, part: Part, follow: Follow, before: _Before) -> Steps:
        follows: list[Follow] = []
        after = follow
        for piece in reversed(part.parts):
            follows.append(after)
            after = Follow(
                piece.first | (after.bytes if piece.nullable else 0), piece.clean and after.accept
            )
        follows.reverse()
        return self._chain(part.parts, follows, 0, before)

    def _chain(
        self, parts: tuple[Part, ...], follows: list[Follow], start: int, before: _Before
    ) -> Steps:
        """Parts `start`… of a sequence, entered on one path."""
        fixed, own_path, re_read = 0.0, 0.0, 0.0
        earlier = step = ONE  # paths alive before the latest ambiguous part, and through it
        source: int | None = None  # the part that let `step` paths through, when known
        for index in range(start, len(parts)):
            piece, after = parts[index], follows[index]
            if source is not None and _apart(parts, follows, source, index):
                # From each path into it, the part's ends are distinct places and the rest
                # cannot read past the next one: together they read the text once.
                rest = self._chain(parts, follows, index, before)
                per_path = plus(self._times(step, Steps(rest.fixed, 0.0)), Steps(0, rest.per_byte))
                paid = self._times(earlier, per_path)
                if earlier == ONE:
                    return Steps(fixed + paid.fixed, max(own_path, paid.per_byte) + re_read)
                return Steps(fixed + paid.fixed, own_path + re_read + paid.per_byte)
            alive = self._times(earlier, step)
            cost = self._cost(piece, after, (*before, Preceding(parts, index)))
            if alive == ONE:
                # One path: the parts read the text one after another, never the same bytes.
                fixed += cost.fixed
                own_path = max(own_path, cost.per_byte)
            else:
                paid = self._times(alive, cost)
                self._blame(paid, "overlap", parts[index - 1], piece)
                fixed += paid.fixed
                re_read += paid.per_byte
            through = exits(piece, after, self._subject)
            if source is not None and piece.heads and not piece.nullable:
                # Paths from several ends of the part before must each begin this one: two
                # of its matches cannot start closer than its known beginnings allow.
                step = _gated(step, parts[source], _period(piece.heads))
                source = None
            elif through != ONE:
                earlier, step, source = alive, through, index
            elif step != ONE:
                source = None  # the paths go on through parts that read one way
        return Steps(fixed, own_path + re_read)

    def _alternatives(self, part: Part, follow: Follow, before: _Before) -> Steps:
        options = part.parts
        costs = [self._cost(option, follow, before) for option in options]
        always = Steps(float(len(options)), 0.0)  # each alternative is tried
        worst = Steps(0.0, 0.0)
        for option, cost in zip(options, costs, strict=True):
            if option.nullable:
                always = plus(always, cost)  # entered whatever comes next
            else:
                worst = larger(worst, cost)
        # Past their first bytes, only alternatives whose known beginnings agree go on
        # together: the worst is one of them with all those it agrees with.
        for _, alike in part.alike:
            together = Steps(0.0, 0.0)
            for other in alike:
                if not options[other].nullable:
                    together = plus(together, costs[other])
            worst = larger(worst, together)
        return plus(always, worst)

    def _repeat(self, part: Part, follow: Follow, before: _Before) -> Steps:
        self._check_rescan(part, follow, before)
        if part.most == 0:
            return ONE
        body = part.parts[0]
        unbounded = part.longest >= self._subject
        if body.kind == "atom":  # one byte per round: read greedily, given back one by one
            passes = 1.0 if follow.accept else 2.0
            return Steps(1.0, passes) if unbounded else Steps(1 + passes * part.rounds, 0.0)
        inner = self._cost(body, Follow(body.first | follow.bytes, follow.accept), before)
        if part.rounds <= 1:
            return Steps(inner.fixed + 1, inner.per_byte)
        again = exits(body, Follow(body.first, False), self._subject)
        if again == ONE or (follow.accept and part.least <= 1):
            # One path through the rounds (or the first one succeeds): they read the text
            # one after another.
            if unbounded and body.shortest > 0:
                return Steps(inner.fixed + 1, inner.per_byte + inner.fixed / body.shortest)
            return Steps(mul(part.rounds, inner.fixed) + 1, inner.per_byte)
        each = inner.fixed + mul(inner.per_byte, min(body.longest, self._subject))
        ways = again.fixed + mul(again.per_byte, min(body.longest, self._subject))
        cost = Steps(each * geometric(ways, part.rounds) + 1, 0.0)
        self._blame(cost, "rounds", body, part)
        return cost

    def _check_rescan(self, part: Part, follow: Follow, before: _Before) -> None:
        """Note a repeat that can run over the whole subject and that attempts starting
        inside its run can read again."""
        if part.longest < self._subject:
            return
        body = part.parts[0]
        if follow.accept and part.least * body.longest <= 256:
            return  # its runs end the match; a failing attempt reads only a few bytes
        if all(
            _within(piece, part.chars) for parts, matched in before for piece in parts[:matched]
        ):
            self._rescans.append(part)


def _apart(parts: tuple[Part, ...], follows: list[Follow], source: int, index: int) -> bool:
    r"""Whether the paths alive out of the part before `index` (their only source: it
    matches one way, so they end at distinct places) lead into a rest that cannot read past
    a later end: either the bytes at the shorter ends never occur in the rest after its
    first byte (`\.[a-z]+` after `[^@]+` ending at dots), or the part is a repeat ending only after
    whole rounds, whose last bytes the rest cannot read (`[a-z]*` after `(?:[a-z]+/)+`)."""
    if source != index - 1:
        return False
    previous = parts[source]
    if previous.mult != 1:
        return False
    rest = parts[index:]
    markers = previous.ext & follows[source].bytes
    if not markers & _inner_chars(rest):
        return True
    if previous.kind != "repeat" or not rounds_are_unambiguous(previous.parts[0]):
        return False
    body = previous.parts[0]
    rest_chars = 0
    for piece in rest:
        rest_chars |= piece.chars
    return not body.ext & follows[source].bytes and not rest_chars & body.last


def exits(part: Part, follow: Follow, subject: float) -> Steps:
    """Paths that leave `part` alive into what follows (at most): its `mult`, times one per
    length it can reach when a shorter match can be followed by what follows (for a repeat
    of unambiguous rounds that end only after whole rounds: one per number of rounds)."""
    if follow.accept:
        return ONE
    if not part.ext & follow.bytes:
        return Steps(part.mult, 0.0)
    if part.kind == "alternation":
        # Ends at different lengths come from one option, or from options that agree.
        each = [exits(option, follow, subject) for option in part.parts]
        worst = functools.reduce(larger, each, Steps(0.0, 0.0))
        for _, alike in part.alike:
            worst = larger(worst, functools.reduce(plus, (each[i] for i in alike)))
        return worst
    ends = part.spread
    if part.kind == "repeat" and part.parts:
        body = part.parts[0]
        if rounds_are_unambiguous(body) and not body.ext & follow.bytes:
            ends = min(ends, float(part.rounds - part.least + 1))
    if part.longest >= subject and ends > subject / 2:
        return Steps(part.mult, part.mult)  # one end per byte read
    return Steps(part.mult * ends, 0.0)


def _inner_chars(parts: tuple[Part, ...]) -> int:
    """Bytes a sequence of parts can read after its first byte (over-approximated)."""
    head = parts[0]
    chars = 0
    if head.kind == "atom":
        tail = parts[1:]
    elif head.kind == "literal":
        tail = parts[1:]
        for mask in head.masks[1:]:
            chars |= mask
    else:
        tail = parts
    for piece in tail:
        chars |= piece.chars
    return chars


def _period(heads: tuple[tuple[int, ...], ...]) -> int:
    """The least distance at which two matches can start, from their known beginnings:
    one beginning shifted onto another must agree wherever they overlap."""
    least = min(len(head) for head in heads)
    for first in heads:
        for shift in range(1, len(first)):
            if shift >= least:
                break
            for second in heads:
                tail = first[shift:]
                if all(a & b for a, b in zip(tail, second, strict=False)):
                    least = shift
                    break
    return max(least, 1)


def _gated(step: Steps, source: Part, period: int) -> Steps:
    """Paths through `source` that can also pass a literal of that period right after it."""
    if step.per_byte:
        return Steps(step.fixed, min(step.per_byte, source.mult / period))
    return Steps(min(step.fixed, source.mult * (source.spread / period + 1)), 0.0)


def _within(part: Part, allowed: int) -> bool:
    """Whether `part` can match some text made only of `allowed` bytes, away from the start
    of the text (so that an attempt can begin inside a run of those bytes)."""
    kind = part.kind
    if kind == "atom":
        return bool(part.chars & allowed)
    if kind == "literal":
        return all(mask & allowed for mask in part.masks)
    if kind == "anchor":
        return not part.anchored and (not part.after_newline or bool(allowed & NEWLINE))
    if kind == "sequence":
        return all(_within(piece, allowed) for piece in part.parts)
    if kind == "alternation":
        return any(_within(option, allowed) for option in part.parts)
    if kind == "repeat":
        return part.least == 0 or _within(part.parts[0], allowed)
    if kind == "atomic":
        return _within(part.parts[0], allowed)
    return True  # lookarounds, backreferences: assume they can
