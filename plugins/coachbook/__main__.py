"""`python -m coachbook` runs the command-line interface."""

from coachbook.cli import main

main()
