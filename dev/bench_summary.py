"""End of `make bench`: the ratio engine vs OCA, then the targets missed and the steps that failed.

Run by ``make bench`` after every step, with the names of the steps that exited non-zero (a crash:
a missed target does not stop a step) as arguments. Prints the ratio whenever both figures exist,
whatever the other steps gave; exits 1 when a target was missed or a step failed, 0 otherwise.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_targets import check, target


def read_seconds(path):
    """The seconds written by a step in ``path``; None when the step did not get that far."""
    try:
        with open(path, encoding="utf-8") as result:
            return float(result.read().strip())
    except (OSError, ValueError):
        return None


engine_file, oca_file, *failed = sys.argv[1:]
ours, oca = read_seconds(engine_file), read_seconds(oca_file)
if ours and oca:
    ratio = oca / ours
    goal = check("engine vs OCA", ratio, target("oca_ratio", 10), "x", at_least=True, absolute=False)
    print(f"engine vs OCA: {oca:.1f} s / {ours:.1f} s = {ratio:.1f}x faster ({goal})")
else:
    print("engine vs OCA: not computed (the engine's or OCA's figure is missing: see its step above)")
path = os.environ.get("BENCH_MISSES_FILE")
misses = []
if path and os.path.exists(path):
    with open(path, encoding="utf-8") as lines:
        misses = [line.strip() for line in lines if line.strip()]
if not (ours and oca):
    misses.append("engine vs OCA: not computed")
if failed:
    print(f"bench: step(s) failed (see their output above): {', '.join(failed)}")
if misses:
    print(f"bench: {len(misses)} target(s) missed: " + "; ".join(misses))
if not failed and not misses:
    print("bench: every target met")
sys.exit(1 if failed or misses else 0)
