"""Importing rosters from Excel and CSV: a dry run, a commit as one batch, and its undo."""
