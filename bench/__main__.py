"""`python -m bench` (make bench) and `python -m bench soak` (make bench-soak)."""

import sys

from bench.run import main, soak

if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command not in ("run", "soak"):
        raise SystemExit("usage: python -m bench [run|soak]")
    sys.exit(soak() if command == "soak" else main())
