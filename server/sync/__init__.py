"""The sync engine's server side: push (apply mutations exactly once), pull (changes after a
cursor), the change counter, record revisions and field conflicts. Wire types: ``sync.protocol``.

It names no domain: each domain registers what it syncs (``server.sync.registry``) from its own
folder, and every write to synced records goes through a server write (``server.sync.write``).
"""
