"""Administering the org tree: create, rename, move and deactivate units (admins, in their subtree)."""
