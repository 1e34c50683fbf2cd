"""Administering users: list, create, edit, deactivate, reset passwords, sign devices out."""
