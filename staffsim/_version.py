"""The version, in a module of its own so that nothing needs to import the package face for it."""

__version__ = "0.2.0"
