"""``python -m bench.profiled_bot MODULE [ARGS]``: a bot, with cProfile switched on by signals.

``python -m bench.profiled_bot bot run`` is the bot as ``python -m bot run`` runs it;
``python -m bench.profiled_bot bench.echo_bot`` the bare echo bot, for comparison.

SIGUSR1 starts a fresh profile of the event loop's thread; SIGUSR2 stops it and writes the stats
to ``$MENTORHUB_PROFILE_OUT`` (atomically, so the reader never sees half a file). Start-up and
warm-up stay out of the profile; ``bench/profile.py`` drives it.
"""

from __future__ import annotations

import cProfile
import os
import runpy
import signal
import sys
from types import FrameType


class SignalledProfiler:
    def __init__(self, out: str) -> None:
        self.out = out
        self.profile: cProfile.Profile | None = None

    def start(self, _signum: int, _frame: FrameType | None) -> None:
        self.profile = cProfile.Profile()
        self.profile.enable()

    def stop(self, _signum: int, _frame: FrameType | None) -> None:
        if self.profile is None:
            return
        self.profile.disable()
        self.profile.dump_stats(self.out + ".part")
        os.replace(self.out + ".part", self.out)
        self.profile = None


def main() -> None:
    profiler = SignalledProfiler(os.environ["MENTORHUB_PROFILE_OUT"])
    signal.signal(signal.SIGUSR1, profiler.start)
    signal.signal(signal.SIGUSR2, profiler.stop)
    module, *rest = sys.argv[1:]
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
