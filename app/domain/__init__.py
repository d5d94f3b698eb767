"""Pure domain: journey and segment documents, node kinds, validation, templates.

No Qt, no SQLAlchemy, no I/O beyond parsing text handed in.
"""
