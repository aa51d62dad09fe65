"""posture: read standing posture from ordinary photos.

The Python API mirrors the command line: :func:`analyze` runs the whole
pipeline on one photo and returns an :class:`Analysis`.
"""

from posture.analysis import Analysis
from posture.errors import PostureError
from posture.pipeline import analyze

__all__ = ["Analysis", "PostureError", "analyze"]
__version__ = "0.1.0"
