"""``python -m bench [updates|delivery|all]``: benchmarks that print tables (they are not tests)."""

from __future__ import annotations

import argparse

from bench import delivery, updates


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="which")
    updates.add_arguments(sub.add_parser("updates", help="handling speed against an echo bot"))
    delivery.add_arguments(sub.add_parser("delivery", help="broadcast delivery under limits"))
    sub.add_parser("all", help="both, with their default sizes")
    args = parser.parse_args()
    if args.which in ("updates", None, "all"):
        updates.main(args if args.which == "updates" else parser.parse_args(["updates"]))
    if args.which in ("delivery", None, "all"):
        delivery.main(args if args.which == "delivery" else parser.parse_args(["delivery"]))


if __name__ == "__main__":
    main()
