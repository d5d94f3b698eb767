"""Locate the files under the repository's `resources/` folder (style sheet, icons, samples).

`resources/` lives at the repository root, next to `app/`, not inside the package. This module
finds it relative to its own file, which holds for a source checkout and for an editable install
(`pip install -e .`, the way the README installs), because both run `app/` from the checkout.
A regular wheel does not ship `resources/` yet; the PyInstaller build will place it beside the
frozen `app/` when packaging arrives, so only this module needs to change then.

Plain `pathlib`, no Qt: every layer may import it.
"""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Return the path of a file or folder under `resources/`, e.g. `("style", "light.qss")`.

    The path is returned whether or not it exists; callers decide what a missing file means.
    """
    return RESOURCES_DIR.joinpath(*parts)
