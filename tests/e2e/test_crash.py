"""kill -9 mid-broadcast: a restart repeats only what was in flight, and loses nothing.

The bot runs in its own process against the fake server here. A broadcast goes to 300 members;
the process is killed with SIGKILL after a random number of deliveries, started again, killed
again, twenty times over, then left to finish (``bench/crash.py`` does the driving). Every member
must get the announcement; after each kill at most as many members get it twice as there can be
requests open (the worker's senders); every row sent again says so in its reason.
"""

import random
from pathlib import Path

from bench.crash import SENDERS, kill_repeatedly

MEMBERS = 300
KILLS = 20


async def test_sigkill_mid_broadcast_repeats_at_most_what_was_in_flight(tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    crashes = await kill_repeatedly(
        tmp_path, members=MEMBERS, kills=KILLS, pace=200, seed=seed, most_per_life=MEMBERS // KILLS
    )
    received = crashes.received
    assert len(received) == MEMBERS, f"seed {seed}: lost {MEMBERS - len(received)}"
    per_kill = crashes.repeated_per_kill()
    assert len(per_kill) == KILLS  # every kill landed mid-broadcast
    assert max(per_kill) <= SENDERS, f"seed {seed}: repeated after each kill {per_kill}"
    for life, deliveries in enumerate(crashes.lives):
        assert max(deliveries.values(), default=1) == 1, f"seed {seed}: life {life} sent twice"
    assert len(crashes.reasons) == MEMBERS
    for member, copies in received.items():
        if copies > 1:
            assert "resent" in (crashes.reasons[member] or ""), f"seed {seed}: {member}"
