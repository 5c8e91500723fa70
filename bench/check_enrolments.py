"""After the enrolment run: was any session oversold, and how many seats and waitlist places were taken?"""

import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.db.models import Count, F, Q  # noqa: E402

from sessions.models import TrainingSession  # noqa: E402

sessions = TrainingSession.objects.filter(program_id=int(sys.argv[1])).annotate(
    confirmed=Count("enrolments", filter=Q(enrolments__state="confirmed")),
    waiting=Count("enrolments", filter=Q(enrolments__state="waitlisted")),
)
oversold = sessions.filter(confirmed__gt=F("capacity")).count()
confirmed = sum(s.confirmed for s in sessions)
waiting = sum(s.waiting for s in sessions)
verdict = "never oversold" if oversold == 0 else f"{oversold} session(s) OVERSOLD"
print(f"{confirmed:,} seats and {waiting:,} waitlist places taken in {len(sessions)} sessions, {verdict}")
