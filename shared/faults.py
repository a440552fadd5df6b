"""Named failpoints for fault-injection tests.

`COMMISSIONING_FAILPOINTS=relay.after_publish` makes the process die (os._exit) the first time
it reaches that point, exactly as a crash would. Unset in every real deployment; the check is
one dict lookup.
"""

from __future__ import annotations

import os
import sys

_ACTIVE = frozenset(filter(None, os.environ.get("COMMISSIONING_FAILPOINTS", "").split(",")))


def failpoint(name: str) -> None:
    if name in _ACTIVE:
        sys.stderr.write(f"failpoint {name}: exiting\n")
        sys.stderr.flush()
        os._exit(86)
