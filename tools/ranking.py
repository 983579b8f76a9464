"""Best-first selection by a cheap bound, the exact sort key computed only where the bound is not enough."""


def best_by_bound(candidates, exact, limit=None, chunk=None):
    """The best ``limit`` of ``candidates`` (all when ``None``), ``[(key, ident)]`` sorted ascending:
    the same list as sorting every candidate by its exact key (``(key, ident)``, ident breaking ties)
    and keeping the first ``limit``, but computing the exact keys of as few candidates as their bounds allow.

    ``candidates``: ``[(bound, ident)]``, ``bound`` a lower bound of the candidate's exact key (the best
    key it may have). ``exact(idents)``: ``{ident: key}`` of those idents, a candidate missing from it
    being left out of the result. The candidates are taken in the order of their bounds, ``chunk`` at a
    time (doubling, from ``2 x limit``), until the ``limit``-th best exact key is before the next bound:
    no candidate left can come before it. A key found before its own bound (the bound was wrong)
    makes every candidate left computed exactly, so that the result is still the exact one.
    """
    if limit is not None and limit < 1:
        return []
    order = sorted(candidates)
    chunk = chunk or max(2 * (limit or 0), 64)
    done, start, trusted = [], 0, True
    while start < len(order):
        if trusted and limit is not None and len(done) >= limit:
            done.sort()
            if done[limit - 1] < order[start]:
                break
        batch = order[start : start + chunk]
        start += len(batch)
        chunk *= 2
        keys = exact([ident for _bound, ident in batch])
        for bound, ident in batch:
            if ident in keys:
                if keys[ident] < bound:  # not a bound after all: everything exact
                    trusted, chunk = False, len(order)
                done.append((keys[ident], ident))
    done.sort()
    return done[:limit] if limit is not None else done
