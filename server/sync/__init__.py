"""The sync engine's server side: push (apply mutations exactly once), pull (changes after a
cursor), the change counter, record revisions and field conflicts. Wire types: ``sync.protocol``.
"""
