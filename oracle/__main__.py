"""`python -m oracle` (and `torchrun -m oracle`) run the same command line as `oracle`."""

from oracle.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
