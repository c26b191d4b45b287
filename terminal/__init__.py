"""Trading terminal: a desktop terminal for crypto exchanges with a built-in paper exchange."""

__version__ = "0.1.0"
