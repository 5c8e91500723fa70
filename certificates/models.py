"""Completion certificates and their public verification (issue #7)."""
