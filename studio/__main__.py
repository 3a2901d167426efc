"""`python -m studio` does what the `ffstudio` console script does."""

from studio.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
