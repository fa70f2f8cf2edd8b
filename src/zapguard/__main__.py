"""``python -m zapguard``: the same command line as ``zapguard``."""

from zapguard.cli import app

app(prog_name="zapguard")
