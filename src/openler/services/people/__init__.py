"""Accounts, roles and sign-in: people, members of organizations, OpenID Connect."""
