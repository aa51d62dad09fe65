"""The package version, alone in its module so that any layer may read it without importing the façade."""

__version__ = "0.2.0"
