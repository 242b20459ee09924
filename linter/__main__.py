"""`python -m authlint`."""

from authlint.cli import main

main()
