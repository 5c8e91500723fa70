"""Lawyer profiles, provinces, admission, enrolment and attendance (issues #4 and #5)."""
