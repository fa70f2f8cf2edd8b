"""Another process that queues work: sends one wake-up on ``URL`` and exits.

Run as ``python wake_notifier.py URL``.
"""

from __future__ import annotations

import sys

from zapguard.store.wakeups import wakeups_from_url


def main(url: str) -> int:
    wakeups = wakeups_from_url(url)
    wakeups.notify()
    wakeups.close()  # the sender thread sends what is pending before it ends
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
