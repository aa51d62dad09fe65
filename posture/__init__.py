"""posture: read standing posture from ordinary photos.

The Python API mirrors the command line: :class:`Analyzer` opens the pose
model once and turns photos (paths, numpy arrays, PIL images) into
:class:`Analysis` results.

Importing this package is cheap: numpy, OpenCV and MediaPipe are imported
only when an :class:`Analyzer` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from posture._version import __version__

__all__ = ["Analysis", "Analyzer", "PostureError", "__version__", "batch"]

if TYPE_CHECKING:
    from posture.analysis import Analysis
    from posture.analyzer import Analyzer
    from posture.batching.api import batch
    from posture.errors import PostureError

_LAZY = {"Analysis": "posture.analysis", "Analyzer": "posture.analyzer", "PostureError": "posture.errors",
         "batch": "posture.batching.api"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'posture' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
