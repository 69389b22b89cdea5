"""receivables: corporate receivables and B2B dunning."""

__version__ = "0.1.0"
