"""Best-first selection by a bound (``tools.ranking``): the same page as sorting every exact key."""

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from ..tools.ranking import best_by_bound
from .common import PureCase

# Per candidate: its exact key (None: left out, nothing to claim) and how far its bound is below it.
CANDIDATES = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(-1000, 0).map(float), st.sampled_from([-500.0, 0.0])),
        st.sampled_from([0.0, 0.0, 1.0, 250.0]),
    ),
    max_size=40,
)


def selection(candidates, limit, chunk, wrong=()):
    """``(best_by_bound's result, the exact one, how many exact keys it computed)``; ``wrong``: the
    candidates whose bound is above their key (not a bound)."""
    keys = {ident: key for ident, (key, _slack) in enumerate(candidates)}
    bounds = [
        ((key if key is not None else -2000.0) + (1.0 if ident in wrong else -slack), ident)
        for ident, (key, slack) in enumerate(candidates)
    ]
    computed = []

    def exact(idents):
        computed.extend(idents)
        return {ident: keys[ident] for ident in idents if keys[ident] is not None}

    full = sorted((key, ident) for ident, key in keys.items() if key is not None)
    return best_by_bound(bounds, exact, limit, chunk), full[:limit] if limit is not None else full, computed


@tagged("post_install", "-at_install")
class TestRanking(PureCase):
    @settings(max_examples=300, deadline=None)
    @given(CANDIDATES, st.one_of(st.none(), st.integers(1, 12)), st.one_of(st.none(), st.integers(1, 5)))
    def test_the_page_is_the_exact_ranking(self, candidates, limit, chunk):
        result, expected, computed = selection(candidates, limit, chunk)
        assert result == expected
        assert len(computed) == len(set(computed)), "each exact key computed once"

    @settings(max_examples=200, deadline=None)
    @given(CANDIDATES, st.integers(1, 12), st.data())
    def test_a_wrong_bound_makes_everything_exact(self, candidates, limit, data):
        wrong = data.draw(st.sets(st.integers(0, max(len(candidates) - 1, 0)), max_size=3)) if candidates else set()
        result, expected, computed = selection(candidates, limit, 1, wrong)
        # A bound found above its key: every key is computed, the page is the exact one again.
        if any(candidates[ident][0] is not None for ident in wrong.intersection(computed)):
            assert result == expected
            assert sorted(computed) == list(range(len(candidates)))

    def test_the_bounds_spare_the_exact_keys(self):
        # 1,000 candidates whose bound is their key: a page of 10 computes the first chunk only.
        candidates = [(-float(n), 0.0) for n in range(1000)]
        result, expected, computed = selection(candidates, 10, None)
        assert result == expected == [(-float(n), n) for n in range(999, 989, -1)]
        assert len(computed) == 64

    def test_nothing_asked_nothing_computed(self):
        result, _expected, computed = selection([(-1.0, 0.0)], 0, None)
        assert (result, computed) == ([], [])
