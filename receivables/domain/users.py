"""People who sign in: the roles a user or an API token can have."""

from __future__ import annotations

ROLES: tuple[str, ...] = ("admin", "finance", "legal", "project_manager", "viewer")
