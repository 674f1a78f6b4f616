"""openler: Learning and Employment Records with verifiable credentials."""

__version__ = "0.1.0"
