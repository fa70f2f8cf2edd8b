"""The HTTP service: FastAPI app, routes per resource, dialects and webhooks."""

from zapguard.api.app import create_app

__all__ = ["create_app"]
