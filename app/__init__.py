"""Journey Studio: a desktop studio for segment-based customer journeys."""

__version__ = "0.1.0"
