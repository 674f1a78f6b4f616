"""Verification inside the platform and presentation requests."""
