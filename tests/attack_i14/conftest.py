"""The web fixtures of tests/web (the demo world, a client) for the issue-14 attack pass."""

from tests.web.conftest import client, demo_platform  # noqa: F401  (fixtures)
