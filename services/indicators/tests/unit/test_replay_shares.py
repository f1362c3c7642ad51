"""`plan_shares`: every partition in exactly one share, shares balanced by record count, none empty."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tthc.indicators.replay_parallel import plan_shares

sizes_strategy = st.dictionaries(
    st.tuples(st.sampled_from(["dossiers", "catalogue"]), st.integers(0, 40)),
    st.integers(0, 1_000_000),
    min_size=1,
    max_size=30,
)


@given(sizes_strategy, st.integers(1, 8))
def test_every_partition_is_in_exactly_one_non_empty_share(
    sizes: dict[tuple[str, int], int], workers: int
) -> None:
    shares = plan_shares(sizes, workers)
    placed = [partition for share in shares for partition in share]
    assert sorted(placed) == sorted(sizes)
    assert 1 <= len(shares) <= min(workers, len(sizes))
    assert all(shares)


@given(sizes_strategy, st.integers(1, 8))
def test_no_share_is_heavier_than_the_lightest_plus_the_largest_partition(
    sizes: dict[tuple[str, int], int], workers: int
) -> None:
    loads = [sum(sizes[partition] for partition in share) for share in plan_shares(sizes, workers)]
    assert max(loads) - min(loads) <= max(sizes.values())


def test_three_partitions_of_a_dossier_topic_and_a_catalogue_on_two_workers() -> None:
    sizes = {("d", 0): 400, ("d", 1): 350, ("d", 2): 300, ("c", 0): 5}
    shares = plan_shares(sizes, 2)
    assert shares == [(("c", 0), ("d", 0)), (("d", 1), ("d", 2))]  # 405 and 650 records
