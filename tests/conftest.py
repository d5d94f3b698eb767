"""Shared test setup: Qt renders offscreen unless told otherwise; a Hypothesis profile for CI."""

import os

from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI machines are slower and busier than a laptop: no per-example deadline, and print the
# blob that reproduces a failure.
settings.register_profile("ci", deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
