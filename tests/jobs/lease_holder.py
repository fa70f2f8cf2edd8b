"""A process that takes one lease and keeps it, for the tests that kill a holder with ``-9``.

Run as ``python lease_holder.py URL NAME TTL_SECONDS``. Prints ``held TOKEN`` once it has the
lease, then renews it every third of the lease time until killed; exits 3 if it never got it.
"""

from __future__ import annotations

import sys
import time

from zapguard.store.leases import leases_from_url, new_holder_id


def main(url: str, name: str, ttl: float) -> int:
    leases = leases_from_url(url, holder=new_holder_id(), ttl_seconds=ttl)
    lease = leases.acquire(name)
    if lease is None:
        return 3
    print(f"held {lease.token}", flush=True)
    while leases.renew(lease):
        time.sleep(ttl / 3)
    return 4


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
