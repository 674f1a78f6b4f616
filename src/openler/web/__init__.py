"""The web layer: FastAPI JSON endpoints (``api``) and server-rendered pages (``pages``)."""

from openler.web.app import create_app

__all__ = ["create_app"]
