"""Accounts and authentication: registration, JWT login with rotation, logout, password reset."""
