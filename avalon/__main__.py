"""`python -m avalon serve | db upgrade`: the `avalon` command, without installing."""

from avalon.cli import main

main()
