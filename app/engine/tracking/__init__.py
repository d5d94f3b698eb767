"""Open and click tracking and unsubscribe (DESIGN §7): signed tokens, link rewriting, the
tracking server."""
