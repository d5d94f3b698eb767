"""The Contacts page: a lazy table over every contact, search, sort and a contact's detail."""

from app.ui.contacts.page import ContactsPage

__all__ = ["ContactsPage"]
