"""Faculty profiles, their portal and session materials (issue #6)."""
