"""How long a test waits for something that should happen, before it calls it a hang.

Tests prove behaviour by what happened (an order of events, a count, a state), never by how fast:
the machines that run them are busy. A wait still needs a bound so that a bug cannot hang the
suite, and that bound sits far above what the work needs on a loaded machine: ``PATIENCE``
seconds (``DEPECHE_TEST_PATIENCE`` to change it). Waiting that long only ever happens when a test
is about to fail anyway.
"""

from __future__ import annotations

import os

PATIENCE = float(os.environ.get("DEPECHE_TEST_PATIENCE", "60"))
