"""Print the check-in URL path the projector shows now for the benchmark's check-in session, and how
many lawyers are checked in (run before and after the check-in run)."""

import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from participants import services  # noqa: E402
from participants.models import Attendance  # noqa: E402
from sessions.models import TrainingSession  # noqa: E402

session = TrainingSession.objects.get(pk=int(sys.argv[1]))
print(services.checkin_url(session), services.seconds_left(), Attendance.objects.filter(session=session).count())
