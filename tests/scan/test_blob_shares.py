"""The blob workers' shares: every blob once, pack order kept, and about equal cost even
when the pack holds a stretch of many small blobs and one of a few large ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.scan.workers import _BLOB_OVERHEAD_BYTES, _RUNS_PER_SHARE, _split


def _cost(share: dict[str, int]) -> int:
    return sum(share.values()) + _BLOB_OVERHEAD_BYTES * len(share)


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=1 << 20), min_size=2, max_size=400),
    parts=st.integers(min_value=2, max_value=4),
)
def test_shares_partition_the_blobs_in_pack_order_at_about_equal_cost(
    sizes: list[int], parts: int
) -> None:
    blobs = {f"{number:040x}": size for number, size in enumerate(sizes)}
    shares = _split(blobs, parts)
    assert 1 <= len(shares) <= parts
    order = list(blobs)
    for share in shares:  # each share reads its blobs in pack order
        positions = [order.index(oid) for oid in share]
        assert positions == sorted(positions)
    merged = [oid for share in shares for oid in share]
    assert sorted(merged) == order  # every blob exactly once
    assert all(share[oid] == blobs[oid] for share in shares for oid in share)
    if len(shares) == parts:
        # Each run misses its ideal cost by less than one blob's cost; a share has its runs.
        ideal = _cost(blobs) / parts
        heaviest = max(sizes) + _BLOB_OVERHEAD_BYTES
        assert all(abs(_cost(share) - ideal) <= _RUNS_PER_SHARE * heaviest for share in shares)


def test_a_pack_of_small_blobs_then_large_ones_is_shared_evenly() -> None:
    # 40,000 blobs of 200 bytes, then 400 of 200 KiB: by bytes alone, one worker would get
    # nearly every small blob (and their per-blob cost) and finish far behind the other.
    sizes = [200] * 40_000 + [200 << 10] * 400
    blobs = {f"{number:040x}": size for number, size in enumerate(sizes)}
    first, second = _split(blobs, 2)
    assert abs(len(first) - len(second)) <= len(blobs) // 20
    assert abs(_cost(first) - _cost(second)) <= _cost(blobs) // 20


def test_one_part_or_one_blob_is_a_single_share() -> None:
    blobs = {"a" * 40: 10, "b" * 40: 20}
    assert _split(blobs, 1) == [blobs]
    assert _split({"a" * 40: 10}, 2) == [{"a" * 40: 10}]
