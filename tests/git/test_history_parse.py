"""The fast parser of `git log --raw -z` output gives exactly what a plain field-by-field
parser gives, on git's output and on odd bytes alike, whatever the read chunk size."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_support import build

from scanner.errors import LeakwindowError
from scanner.git import log_parse
from scanner.git.history import History
from scanner.git.inventory import read_inventory
from scanner.git.log_parse import _parse_stream, read_history
from scanner.model import CommitInfo

# --- the reference: a plain parser, one field at a time, in the order git writes them -----


def reference_stream(stream: bytes, result: History) -> None:
    fields = stream.split(b"\0")
    assert fields.pop() == b"", "git ends every field with a NUL"
    index = 0
    while index < len(fields):
        header = [field.decode("utf-8", "backslashreplace") for field in fields[index : index + 6]]
        sha, parents, ts, committed_at, authored_at, author = header
        index += 6
        changes: list[tuple[str, str | None]] = []
        if index < len(fields) and fields[index].startswith(b"\n:"):
            fields[index] = fields[index][1:]
            while index < len(fields) and fields[index].startswith(b":"):
                meta = fields[index].decode("ascii")
                path = fields[index + 1].decode("utf-8", "backslashreplace")
                index += 2
                _old_mode, new_mode, _old_oid, new_oid, _status = meta[1:].split(" ")
                if new_mode == "160000":
                    result.gitlinks.add(path)
                    changes.append((path, None))
                elif not new_oid.strip("0"):
                    changes.append((path, None))
                else:
                    changes.append((path, new_oid))
                    result.referenced_blobs.add(new_oid)
        if sha in result.commits:
            continue
        result.commits[sha] = CommitInfo(
            sha, tuple(parents.split()), int(ts), committed_at, authored_at, author
        )
        result.order.append(sha)
        if changes:
            result.changes[sha] = changes


def snapshot(result: History) -> tuple[object, ...]:
    """Everything, order included (dict equality alone ignores order)."""
    return (
        list(result.commits.items()),
        result.order,
        list(result.changes.items()),
        result.gitlinks,
        result.referenced_blobs,
    )


def parse_in_chunks(stream: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch) -> History:
    monkeypatch.setattr(log_parse, "_READ_CHUNK", chunk)
    parsed = History()
    assert _parse_stream(io.BytesIO(stream).read, parsed) == set()
    return parsed


def same_records(records: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    stream = b"".join(records)
    plain = History()
    reference_stream(stream, plain)
    for chunk in (1, 2, 5, 41, 1 << 20):
        assert snapshot(parse_in_chunks(stream, chunk, monkeypatch)) == snapshot(plain)


# --- records ----------------------------------------------------------------------------

SHA1, SHA256 = 40, 64


def oid(seed: int, size: int = SHA1) -> str:
    return (f"{seed:x}" * size)[:size] if seed else "0" * size


def record(
    sha: str, changes: list[tuple[str, bytes]], parents: str = "", author: str = "A <a@x>"
) -> bytes:
    """One commit as `git log -z --raw --format=<_LOG_FORMAT>` writes it."""
    header = f"{sha}\0{parents}\0" + "1735689600\0" + "2025-01-01T00:00:00+00:00\0"
    header += f"2024-12-31T23:00:00-01:00\0{author}\0"
    raw = b"".join(meta.encode() + b"\0" + path + b"\0" for meta, path in changes)
    return header.encode() + (b"\n" + raw if changes else b"")


def meta(old_mode: str, new_mode: str, old: str, new: str, status: str) -> str:
    return f":{old_mode} {new_mode} {old} {new} {status}"


@pytest.mark.parametrize("size", [SHA1, SHA256])
def test_records_of_every_kind_of_change(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    null = oid(0, size)
    records = [
        record(
            oid(1, size),
            [
                (meta("100644", "100644", oid(2, size), oid(3, size), "M"), b"src/app.py"),
                (meta("000000", "100755", null, oid(4, size), "A"), b"bin/run"),
                (meta("100644", "000000", oid(5, size), null, "D"), b"old.txt"),
                (meta("100644", "160000", oid(6, size), oid(7, size), "T"), b"vendor/lib"),
                (meta("000000", "120000", null, oid(8, size), "A"), b"link"),
                (meta("100644", "100644", null, "0" * (size - 1) + "1", "M"), b"leading zeros"),
            ],
            parents=f"{oid(9, size)} {oid(10, size)}",
        ),
        record(oid(9, size), [], parents=oid(11, size)),  # a commit that changes nothing
        record(oid(11, size), [(meta("000000", "100644", null, oid(3, size), "A"), b"a")]),
    ]
    same_records(records, monkeypatch)


def test_odd_paths_authors_and_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_header = record(oid(5), [(meta("100644", "100644", oid(2), oid(6), "M"), b"x")])
    records = [
        record(
            oid(1),
            [
                (meta("100644", "100644", oid(2), oid(3), "M"), "café/naïve ✓.txt".encode()),
                (meta("100644", "100644", oid(2), oid(4), "M"), b"bad\xff\xfe utf8"),
                (meta("100644", "100644", oid(2), oid(5), "M"), b"cut \xe2\x82"),  # truncated
                (meta("100644", "100644", oid(2), oid(6), "M"), b"\xc3"),
                (meta("100644", "100644", oid(2), oid(7), "M"), b"\n:leading newline"),
                (meta("100644", "100644", oid(2), oid(8), "M"), b":100644 looks like a meta"),
                (meta("100644", "100644", oid(2), oid(9), "M"), fake_header.split(b"\0")[0]),
                (meta("100644", "100644", oid(2), oid(10), "M"), b""),
            ],
            author="Zoë Ünal <z@x>",
        ),
        record(oid(12), [(meta("100644", "100644", oid(2), oid(9), "M"), b"x")], author="Jos\xe9"),
    ]
    same_records(records, monkeypatch)
    # An author name that is not UTF-8 (an old latin-1 commit).
    raw_author = record(oid(13), [], author="X").replace(b"\0X\0", b"\0Jos\xe9 <j@x>\0")
    same_records([raw_author, raw_author.replace(oid(13).encode(), oid(14).encode())], monkeypatch)


def test_a_commit_listed_twice_keeps_its_first_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    first = record(oid(1), [(meta("100644", "100644", oid(2), oid(3), "M"), b"a")])
    again = record(oid(1), [(meta("100644", "160000", oid(2), oid(4), "M"), b"sub")])
    same_records([first, again], monkeypatch)


@pytest.mark.parametrize(
    "stream",
    [
        b"not a commit id\0p\0" + b"1\0d\0d\0a\0",  # out of step: no commit id first
        record(oid(1), []) + b"\n:100644",  # a field cut off by the end of the output
        record(oid(1), [])[:-10],  # a commit cut off inside its header
        record(oid(1), [(meta("100644", "100644", oid(2), oid(3), "M"), b"a")])[:-2],
    ],
)
def test_output_out_of_step_is_an_error_not_a_guess(
    stream: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """read_history then rebuilds the history object by object (salvage_history)."""
    with pytest.raises(LeakwindowError):
        parse_in_chunks(stream, 7, monkeypatch)


_path_bytes = st.binary(max_size=12).filter(lambda b: b"\0" not in b)
_changes = st.lists(
    st.tuples(
        st.sampled_from(["000000", "100644", "100755", "120000", "160000"]),
        st.integers(0, 15),
        st.sampled_from("AMDT"),
        st.one_of(_path_bytes, st.sampled_from(["é".encode(), b"\xe2\x82", b"\xf0\x9f\x98\x80"])),
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), _changes), max_size=6), st.sampled_from([40, 64]))
def test_random_records_match_the_reference(
    commits: list[tuple[int, list[tuple[str, int, str, bytes]]]], size: int
) -> None:
    records = []
    for sha, changes in commits:
        fields = [
            (meta("100644", mode, oid(15, size), oid(new, size), status), path)
            for mode, new, status, path in changes
        ]
        records.append(record(oid(sha, size), fields, parents=oid(sha + 1, size)))
    with pytest.MonkeyPatch.context() as monkeypatch:
        same_records(records, monkeypatch)


# --- the record stream: chunk boundaries anywhere -----------------------------------------


def _git(repo: Path, *args: str, date: str, name: str = "Dana Développeur") -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": "dana@example.test",
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": "dana@example.test",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_read_history_is_the_same_whatever_the_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main", "--template=", date="2025-01-01T00:00:00Z")
    for day in range(1, 8):
        for name in ("a.txt", f"dir/f{day % 3}.py", "naïve.txt"):
            (repo / name).parent.mkdir(exist_ok=True)
            (repo / name).write_text(f"{name} on day {day}\n" * day)
        if day == 4:
            (repo / "a.txt").unlink()
        date = f"2025-01-0{day}T09:00:00Z"
        _git(repo, "add", "-A", date=date)
        _git(repo, "commit", "-q", "--allow-empty", "-m", f"day {day}", date=date)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, check=True, text=True
    ).stdout.strip()
    whole = snapshot(read_history(repo, [head]))
    plain = History()
    output = subprocess.run(
        ["git", *log_parse._log_args(walk=True)],
        cwd=repo,
        input=f"{head}\n".encode(),
        capture_output=True,
        check=True,
    ).stdout
    reference_stream(output, plain)
    plain.order.reverse()  # as read_history does: parents first
    assert whole == snapshot(plain)
    assert len(plain.order) == 7 and any(not path.isascii() for path, _ in plain.changes[head])
    for chunk in (1, 2, 7, 64, 1000):
        monkeypatch.setattr(log_parse, "_READ_CHUNK", chunk)
        assert snapshot(read_history(repo, [head])) == whole


def test_the_record_marker_inside_paths_and_names_splits_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git log's records open with \x01 and its header fields are split by \x02; git allows
    both bytes in paths and in author names."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main", "--template=", date="2025-01-01T00:00:00Z")
    odd_paths = ["ctl\x01name.py", "\x01lead.txt", "two\x01\x01marks\x02.cfg", "plain.txt"]
    for day, path in enumerate(odd_paths, start=1):
        (repo / path).write_text(f"day {day}\n")
        date = f"2025-01-0{day}T09:00:00Z"
        _git(repo, "add", "-A", date=date)
        _git(repo, "commit", "-q", "-m", f"day {day}", date=date, name=f"Ctl\x01Name\x02{day}")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, check=True, text=True
    ).stdout.strip()
    whole = read_history(repo, [head])
    assert not whole.salvaged
    assert len(whole.order) == len(odd_paths)
    changed = [path for sha in whole.order for path, _ in whole.changes[sha]]
    assert changed == odd_paths
    authors = [whole.commits[sha].author for sha in whole.order]
    assert authors == [f"Ctl\x01Name\x02{day} <dana@example.test>" for day in range(1, 5)]
    for chunk in (1, 3, 41, 64, 1000):
        monkeypatch.setattr(log_parse, "_READ_CHUNK", chunk)
        assert snapshot(read_history(repo, [head])) == snapshot(whole)


def test_inventory_regexes_agree_with_a_line_by_line_parse(tmp_path: Path) -> None:
    fx = build("tag-only", tmp_path)
    repo = fx.path
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@t.test"]
    subprocess.run([*git, "tag", "-a", "-m", "annotated", "annotated-tag", "HEAD"], check=True)
    listing = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch-all-objects", "--batch-check"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    blobs: dict[str, int] = {}
    commits: set[str] = set()
    kinds: set[str] = set()
    for line in listing.splitlines():
        oid, kind, size = line.split(" ")
        kinds.add(kind)
        if kind == "blob":
            blobs[oid] = int(size)
        elif kind == "commit":
            commits.add(oid)
    assert kinds == {"blob", "commit", "tree", "tag"}
    inventory = read_inventory(repo)
    assert inventory.blob_sizes == blobs
    assert set(inventory.commits) == commits and len(inventory.commits) == len(commits)
    assert not inventory.unreadable
