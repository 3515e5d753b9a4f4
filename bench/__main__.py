"""`python -m bench` (make bench), `python -m bench soak` (make bench-soak) and
`python -m bench profile [scenario] [requests] [concurrency]` (bench/inprocess.py)."""

import sys

from bench.inprocess import profile
from bench.run import main, soak

USAGE = "usage: python -m bench [run | soak | profile [scenario] [requests] [concurrency]]"

if __name__ == "__main__":
    command, arguments = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("run", [])
    if command == "run" and not arguments:
        sys.exit(main())
    if command == "soak" and not arguments:
        sys.exit(soak())
    if command == "profile" and len(arguments) <= 3:
        name = arguments[0] if arguments else "list_no_total"
        numbers = [int(argument) for argument in arguments[1:]]
        sys.exit(profile(name, *numbers))
    raise SystemExit(USAGE)
