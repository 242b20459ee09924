"""`python -m authlint`."""

from authlint.cli import main

# Guarded: a worker process started by "spawn" (macOS, Windows) imports this
# module under another name, and must not run the command again.
if __name__ == "__main__":
    main()
