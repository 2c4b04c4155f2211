"""Test-wide settings: Hypothesis profiles.

No test asserts on wall-clock time, so Hypothesis' per-example deadline is
off everywhere (a loaded CI machine would otherwise fail a correct parser).
``.ci/run`` selects the ``ci`` profile (``HYPOTHESIS_PROFILE=ci``): the same
examples on every run, so a CI result can be reproduced, and no example
database written into the clone.  Locally the default profile keeps
exploring new examples on every run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
