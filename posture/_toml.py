"""TOML parsing for the package's data files: the standard library's tomllib, or tomli on Python 3.10."""

import sys

if sys.version_info >= (3, 11):
    from tomllib import loads
else:  # pragma: no cover - Python 3.10
    from tomli import loads

__all__ = ["loads"]
