"""Programmes, topics, venues, training sessions and faculty assignments (issue #3)."""
