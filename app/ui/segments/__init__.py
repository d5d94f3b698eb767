"""The Segments page: list, builder with live counts, and the overlap of running journeys."""

from app.ui.segments.page import SegmentsPage

__all__ = ["SegmentsPage"]
