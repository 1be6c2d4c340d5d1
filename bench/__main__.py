"""Benchmarks: ``python -m bench [updates|profile|delivery|crash|questions|prompts|quiet|
meetings|polls|exports|stats|all]``.

Each benchmark runs the real Application against the fake Bot API.
"""

from __future__ import annotations

import argparse

from bench import (
    crash,
    delivery,
    exports,
    meetings,
    polls,
    profile,
    prompts,
    questions,
    quiet,
    stats,
    updates,
)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="which")
    updates.add_arguments(sub.add_parser("updates", help="handling speed against an echo bot"))
    profile.add_arguments(sub.add_parser("profile", help="cProfile of /help and /start bursts"))
    delivery.add_arguments(sub.add_parser("delivery", help="broadcast delivery under limits"))
    crash.add_arguments(sub.add_parser("crash", help="kill -9 mid-broadcast: duplicates per kill"))
    questions.add_arguments(sub.add_parser("questions", help="asking, voting and /faq at scale"))
    prompts.add_arguments(sub.add_parser("prompts", help="prompt fan-out: 1,000 hubs × 100"))
    quiet.add_arguments(sub.add_parser("quiet", help="100,000 held rows and the worker's queries"))
    meetings.add_arguments(sub.add_parser("meetings", help="1,000 RSVP presses in a burst"))
    polls.add_arguments(sub.add_parser("polls", help="10,000 poll_answer updates in a burst"))
    exports.add_arguments(sub.add_parser("exports", help="/export of 10,000 members, a year"))
    stats.add_arguments(sub.add_parser("stats", help="/stats for 10,000 members, a year of data"))
    sub.add_parser("all", help="all of them, with their default sizes")
    args = parser.parse_args()
    if args.which in ("updates", None, "all"):
        updates.main(args if args.which == "updates" else parser.parse_args(["updates"]))
    if args.which == "profile":
        profile.main(args)
    if args.which in ("delivery", None, "all"):
        delivery.main(args if args.which == "delivery" else parser.parse_args(["delivery"]))
    if args.which in ("crash", None, "all"):
        crash.main(args if args.which == "crash" else parser.parse_args(["crash"]))
    if args.which == "quiet":
        quiet.main(args)
    if args.which in ("questions", None, "all"):
        questions.main(args if args.which == "questions" else parser.parse_args(["questions"]))
    if args.which in ("meetings", None, "all"):
        meetings.main(args if args.which == "meetings" else parser.parse_args(["meetings"]))
    if args.which in ("polls", None, "all"):
        polls.main(args if args.which == "polls" else parser.parse_args(["polls"]))
    if args.which == "exports":
        exports.main(args)
    if args.which in ("prompts", None, "all"):
        prompts.main(args if args.which == "prompts" else parser.parse_args(["prompts"]))
    if args.which in ("stats", None, "all"):
        stats.main(args if args.which == "stats" else parser.parse_args(["stats"]))


if __name__ == "__main__":
    main()
