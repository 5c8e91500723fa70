"""Who gets what from every URL: the declared access table, and the walk over the whole URLconf.

A GET by each kind of person (tests/platform/world.py ROLES) answers one of:
  200     the page (or file)                    login   302 to the sign-in page, coming back afterwards
  302     a redirect somewhere else             403     refused (the person may not use it)
  404     not found (the object is not theirs)  405     GET not allowed: the URL takes POST only
  400/410 the link or code is not (or no longer) valid
A new URL without a row here makes tests/platform/test_security_matrix.py fail, naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from .world import ROLES


@dataclass(frozen=True)
class Route:
    key: str  # the URL's name, e.g. "participants:roster" (a variant: "name@what"); else the route itself
    route: str
    pattern: URLPattern
    arguments: frozenset[str]

    @property
    def name(self) -> str | None:
        return self.key.split("@")[0] if self.pattern.name else None

    @property
    def is_admin(self) -> bool:
        return self.key.startswith("admin:") or self.route.startswith("admin/")


def routes() -> list[Route]:
    """Every pattern of the URLconf, included ones too, in order."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
                continue
            route = prefix + str(entry.pattern)
            key = ":".join(filter(None, [namespace, entry.name])) if entry.name else route
            found.append(Route(key, route, entry, frozenset(entry.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns, "", "")
    by_name = {route.key: route for route in found}
    for variant in VARIANTS:
        base = by_name.get(variant.split("@")[0])
        if base is not None:
            found.append(Route(variant, base.route, base.pattern, base.arguments))
    return found


# URLs asked a second time with other values (world.py KWARGS names them): the draft program, which only
# administrators may know exists; materials for other readers.
VARIANTS = (
    "sessions:schedule@draft",
    "sessions:program_ics@draft",
    "sessions:session_detail@draft",
    "participants:apply@draft",
    "participants:timetable_slots@draft",
    "participants:my_transcript@draft",
    "participants:enrolment_action@draft",
    "sessions_manage:program@draft",
    "faculty:download@staff",
    "faculty:download@program",
    "faculty:download@unreleased",
    "evaluations:answer_session@seat",
)


def _row(text: str) -> dict[str, str]:
    outcomes = text.split()
    assert len(outcomes) == len(ROLES), text
    return dict(zip(ROLES, outcomes, strict=True))


# fmt: off
# The outcome of a GET for:          anonymous lawyer other_lawyer faculty other_faculty administrator coordinator
#                                    other_coordinator (Guangdong's, the world lawyers' province, and Beijing's)
ACCESS = {name: _row(outcomes) for name, outcomes in {
    "home":                             "200    200    200    200    200    200    200    200",
    "healthz":                          "200    200    200    200    200    200    200    200",
    "robots_txt":                       "200    200    200    200    200    200    200    200",
    # accounts: signing in and out, invitations, password reset, settings; the people list
    "accounts:login":                   "200    302    302    302    302    302    302    302",
    "accounts:logout":                  "405    405    405    405    405    405    405    405",
    "accounts:activate":                "410    410    410    410    410    410    410    410",
    "accounts:activate_link":           "302    302    302    302    302    302    302    302",
    "accounts:password_change":         "login  200    200    200    200    200    200    200",
    "accounts:password_reset":          "200    200    200    200    200    200    200    200",
    "accounts:password_reset_done":     "200    200    200    200    200    200    200    200",
    "accounts:password_reset_confirm":  "302    302    302    302    302    302    302    302",
    "accounts:password_reset_complete": "200    200    200    200    200    200    200    200",
    "accounts:set_language":            "405    405    405    405    405    405    405    405",
    "accounts:profile":                 "login  200    200    200    200    200    200    200",
    "accounts:user_list":               "login  403    403    403    403    200    403    403",
    "accounts:invite":                  "login  403    403    403    403    200    403    403",
    "accounts:reinvite":                "login  403    403    403    403    405    403    403",
    # notifications: one's own notices; the outbox for administrators (by permission)
    "notifications:inbox":              "login  200    200    200    200    200    200    200",
    "notifications:mark_read":          "login  405    405    405    405    405    405    405",
    "notifications:outbox":             "login  403    403    403    403    200    403    403",
    "notifications:outbox_detail":      "login  403    403    403    403    200    403    403",
    "notifications:resend":             "login  403    403    403    403    405    403    403",
    # the administrators' workbench
    "sessions_manage:program_list":              "login  403    403    403    403    200    403    403",
    "sessions_manage:program_create":            "login  403    403    403    403    200    403    403",
    "sessions_manage:program":                   "login  403    403    403    403    200    403    403",
    "sessions_manage:program_edit":              "login  403    403    403    403    200    403    403",
    "sessions_manage:program_topics":            "login  403    403    403    403    200    403    403",
    "sessions_manage:program_conflicts":         "login  403    403    403    403    200    403    403",
    "sessions_manage:session_create":            "login  403    403    403    403    200    403    403",
    "sessions_manage:session_check":             "login  403    403    403    403    405    403    403",
    "sessions_manage:session_edit":              "login  403    403    403    403    200    403    403",
    "sessions_manage:session_cancel":            "login  403    403    403    403    200    403    403",
    "sessions_manage:session_restore":           "login  403    403    403    403    405    403    403",
    "sessions_manage:session_history":           "login  403    403    403    403    200    403    403",
    "sessions_manage:venue_list":                "login  403    403    403    403    200    403    403",
    "sessions_manage:venue_create":              "login  403    403    403    403    200    403    403",
    "sessions_manage:venue_edit":                "login  403    403    403    403    200    403    403",
    "sessions_manage:venue_delete":              "login  403    403    403    403    405    403    403",
    "sessions_manage:faculty_list":              "login  403    403    403    403    200    403    403",
    "sessions_manage:faculty_create":            "login  403    403    403    403    200    403    403",
    "sessions_manage:faculty_edit":              "login  403    403    403    403    200    403    403",
    "sessions_manage:faculty_invite":            "login  403    403    403    403    405    403    403",
    # lawyers: their program, profile, enrolment, transcript (administrators have no lawyer profile: 404)
    "participants:my_program":          "login  200    200    200    200    200    200    200",
    "participants:my_profile":          "login  200    200    403    403    404    403    403",
    "participants:timetable_slots":     "login  200    200    403    403    200    403    403",
    "participants:apply":               "login  302    302    403    403    200    403    403",
    "participants:enrolment_action":    "login  405    405    403    403    405    403    403",
    "participants:my_transcript":       "login  200    200    403    403    404    403    403",
    # the program office: admissions, imports, rosters, completion
    "participants:admissions":          "login  403    403    403    403    200    403    403",
    "participants:admission_action":    "login  403    403    403    403    405    403    403",
    "participants:quotas":              "login  403    403    403    403    200    403    403",
    "participants:quotas_bulk":         "login  403    403    403    403    302    403    403",
    "participants:quotas_import":       "login  403    403    403    403    302    403    403",
    "participants:import_upload":       "login  403    403    403    403    200    403    403",
    "participants:import_job":          "login  403    403    403    403    200    403    403",
    "participants:import_start":        "login  403    403    403    403    405    403    403",
    "participants:specialties":         "login  403    403    403    403    200    403    403",
    "participants:roster":              "login  403    403    403    403    200    403    403",
    "participants:lawyer_edit":         "login  403    403    403    403    200    403    403",
    "participants:roster_action":       "login  403    403    403    403    405    403    403",
    "participants:enrolment_move":      "login  403    403    403    403    200    403    403",
    "participants:completion":          "login  403    403    403    403    200    403    403",
    "participants:completion_notify":   "login  403    403    403    403    405    403    403",
    "participants:attendance_report":   "login  403    403    403    403    200    403    403",
    "participants:lawyer_transcript":   "login  403    403    403    403    200    403    403",
    "participants:attendance_history":  "login  403    403    403    403    200    403    403",
    # attendance: the session's own faculty and administrators (the POSTs check the same, see POST_REFUSED)
    "participants:attendance_roster":   "login  403    403    200    403    200    403    403",
    "participants:attendance_mark":     "login  405    405    405    405    405    405    405",
    "participants:attendance_mark_all": "login  405    405    405    405    405    405    405",
    "participants:checkin_screen":      "login  403    403    200    403    200    403    403",
    "participants:signin_sheet":        "login  403    403    200    403    200    403    403",
    # check-in: the QR code's link checks in the lawyer holding a seat; the others are told why not
    "participants:checkin_code":        "login  200    200    200    200    200    200    200",
    "participants:checkin_resume":      "login  302    302    302    302    302    302    302",
    "participants:checkin":             "login  200    400    403    403    403    403    403",
    # faculty: their portal and profile; a session's materials and roster for its faculty
    "faculty:portal":                   "login  403    403    200    200    200    403    403",
    "faculty:profile":                  "login  403    403    200    200    404    403    403",
    "faculty:session_materials":        "login  403    403    200    403    200    403    403",
    "faculty:roster":                   "login  403    403    200    403    200    403    403",
    # a material for lawyers with a seat: the other lawyer (admitted, no seat) and other faculty are told 404
    "faculty:download":                 "login  200    404    200    404    200    404    404",
    "faculty:material_version":         "login  405    405    405    405    405    405    405",
    "faculty:material_delete":          "login  405    405    405    405    405    405    405",
    "faculty:version_download":         "login  403    403    403    403    200    403    403",
    # the provinces: a coordinator's own province (whichever it is); the office's view of each province
    "nominations:home":                 "login  403    403    403    403    403    302    302",
    "nominations:province":             "login  403    403    403    403    403    200    200",
    "nominations:nominate":             "login  403    403    403    403    403    405    405",
    "nominations:submit":               "login  403    403    403    403    403    405    405",
    "nominations:new_lawyer":           "login  403    403    403    403    403    200    200",
    "nominations:upload":               "login  403    403    403    403    403    200    200",
    "nominations:office_provinces":     "login  403    403    403    403    200    403    403",
    "nominations:office_province":      "login  403    403    403    403    200    403    403",
    "nominations:return_list":          "login  403    403    403    403    405    403    403",
    "nominations:decide":               "login  403    403    403    403    405    403    403",
    "nominations:substitute":           "login  405    405    405    405    405    405    405",
    # coursework: the lawyer's own assignment and work; the session's faculty and administrators grade
    "practice:teams":                   "login  403    403    200    403    200    403    403",
    "practice:case_create":             "login  403    403    200    403    200    403    403",
    "practice:case_edit":               "login  403    403    200    403    200    403    403",
    "practice:member":                  "login  403    403    200    403    200    403    403",
    "practice:material_upload":         "login  403    403    200    403    200    403    403",
    "practice:material_file":           "login  200    404    200    404    200    404    404",
    "practice:member_change":           "login  405    405    405    405    405    405    405",
    "practice:score":                   "login  403    403    200    403    200    403    403",
    # a forum's questions: lawyers in the room ask and vote (its moderators are sent to their page); its faculty
    # and administrators moderate, project and export
    "practice:questions":               "login  200    403    302    403    302    403    403",
    "practice:question_vote":           "login  405    405    405    405    405    405    405",
    "practice:questions_moderate":      "login  403    403    200    403    200    403    403",
    "practice:question_moderate":       "login  405    405    405    405    405    405    405",
    "practice:questions_screen":        "login  403    403    200    403    200    403    403",
    "practice:questions_export":        "login  403    403    200    403    200    403    403",
    "assessment:assignment":            "login  200    404    404    404    404    404    404",
    "assessment:submission_file":       "login  200    404    200    404    200    404    404",
    "assessment:grading":               "login  403    403    200    200    200    403    403",
    "assessment:queue":                 "login  403    403    200    403    200    403    403",
    "assessment:grade":                 "login  403    403    200    403    200    403    403",
    "assessment:manage_list":           "login  403    403    403    403    200    403    403",
    "assessment:assignment_create":     "login  403    403    403    403    200    403    403",
    "assessment:assignment_edit":       "login  403    403    403    403    200    403    403",
    # evaluations: a lawyer answers what they are asked (the required session ended three days ago: both lawyers
    # held a seat; the program's questionnaire opens at its end: a page saying when); the office's pages
    "evaluations:answer_session":       "login  200    200    403    403    404    403    403",
    "evaluations:answer_program":       "login  200    200    403    403    404    403    403",
    "evaluations:manage_list":          "login  403    403    403    403    200    403    403",
    "evaluations:manage_create":        "login  403    403    403    403    200    403    403",
    "evaluations:manage_edit":          "login  403    403    403    403    200    403    403",
    "evaluations:results":              "login  403    403    403    403    200    403    403",
    "evaluations:overview":             "login  403    403    403    403    200    403    403",
    # certificates: verification is public; the PDF is its holder's; the rest is the program office's
    "certificates:verify_form":         "200    200    200    200    200    200    200    200",
    "certificates:verify":              "200    200    200    200    200    200    200    200",
    "certificates:download":            "login  200    404    404    404    200    404    404",
    "certificates:manage":              "login  403    403    403    403    200    403    403",
    "certificates:issue_all":           "login  403    403    403    403    405    403    403",
    "certificates:issue_one":           "login  403    403    403    403    405    403    403",
    "certificates:design":              "login  403    403    403    403    405    403    403",
    "certificates:download_all":        "login  403    403    403    403    200    403    403",
    "certificates:job_status":          "login  403    403    403    403    200    403    403",
    "certificates:job_requeue":         "login  403    403    403    403    405    403    403",
    "certificates:revoke":              "login  403    403    403    403    405    403    403",
    "certificates:rerender":            "login  403    403    403    403    405    403    403",
    "certificates:amend":               "login  403    403    403    403    405    403    403",
    # the timetable, for everyone signed in (one published program: straight to it); calendar feeds
    "sessions:program_list":            "login  302    302    302    302    200    302    302",
    "sessions:schedule":                "login  200    200    200    200    200    200    200",
    "sessions:program_ics":             "404    200    200    200    200    200    200    200",
    "sessions:session_detail":          "login  200    200    200    200    200    200    200",
    "sessions:faculty_directory":       "login  200    200    200    200    200    200    200",
    "sessions:faculty_profile":         "login  200    200    200    200    200    200    200",
    "sessions:faculty_photo":           "login  200    200    200    200    200    200    200",
    "sessions:my_calendar":             "login  200    200    200    200    200    200    200",
    "sessions:my_calendar_reset":       "login  405    405    405    405    405    405    405",
    "sessions:personal_ics":            "200    200    200    200    200    200    200    200",
    # the draft program (VARIANTS): not found for anyone but administrators
    "sessions:schedule@draft":              "login  404    404    404    404    200    404    404",
    "sessions:program_ics@draft":           "404    404    404    404    404    200    404    404",
    "sessions:session_detail@draft":        "login  404    404    404    404    200    404    404",
    "participants:apply@draft":             "login  404    404    403    403    302    403    403",
    "participants:timetable_slots@draft":   "login  404    404    403    403    200    403    403",
    "participants:my_transcript@draft":     "login  404    404    403    403    404    403    403",
    "participants:enrolment_action@draft":  "login  405    405    403    403    405    403    403",
    "sessions_manage:program@draft":                 "login  403    403    403    403    200    403    403",
    # materials (VARIANTS): for staff only; for everyone admitted (not the other session's faculty); for
    # everyone admitted but released tomorrow
    "faculty:download@staff":               "login  404    404    200    404    200    404    404",
    "faculty:download@program":             "login  200    200    200    404    200    404    404",
    "faculty:download@unreleased":          "login  404    404    200    404    200    404    404",
    # the session running now (its questionnaire not open yet): the lawyer with a seat is told when; not the other
    "evaluations:answer_session@seat":      "login  200    404    403    403    404    403    403",
}.items()}
# fmt: on

# POST-only URLs that every signed-in person reaches (GET: 405) but whose view or service refuses some of
# them: a POST with a valid CSRF token (and what the form would send) by each of these must be refused.
# Neither the session's faculty nor the office: every other person signed in.
OUTSIDERS = ("other_lawyer", "other_faculty", "coordinator", "other_coordinator")
POST_REFUSED = {
    "participants:attendance_mark": dict.fromkeys(("lawyer", *OUTSIDERS), "403"),
    "participants:attendance_mark_all": dict.fromkeys(("lawyer", *OUTSIDERS), "403"),
    # who may not even read the material is told 404, as by its download; a reader who may not change it, 403
    "faculty:material_version": {"lawyer": "403", **dict.fromkeys(OUTSIDERS, "404")},
    "faculty:material_delete": {"lawyer": "403", **dict.fromkeys(OUTSIDERS, "404")},
    # a substitution: the province's coordinator or the office
    "nominations:substitute": dict.fromkeys(
        ("lawyer", "other_lawyer", "faculty", "other_faculty", "other_coordinator"), "403"
    ),
    "participants:enrolment_action": {"administrator": "404"},
    # a vote: lawyers in the room only; moderating: the forum's faculty and the office
    "practice:question_vote": dict.fromkeys(
        ("other_lawyer", "faculty", "other_faculty", "administrator", "coordinator", "other_coordinator"), "403"
    ),
    "practice:question_moderate": dict.fromkeys(("lawyer", *OUTSIDERS), "403"),
    "participants:enrolment_action@draft": {"lawyer": "404", "other_lawyer": "404", "administrator": "404"},
}

# The Django admin is one family: only staff get past its sign-in. For the administrator (staff, with the
# permissions of the app's own models only) every page answers 200 except these.
ADMIN_STAFF = {
    "admin:login": "302",  # already signed in: on to the index
    "admin:logout": "405",
    "admin:autocomplete": "403",  # asked without a field to complete
    "admin:view_on_site": "404",  # the first model has no page of its own on the site
    "admin/(?P<url>.*)$": "404",
    # The sign-in failure log is off (AXES_ENABLE_ACCESS_FAILURE_LOG): the history of a missing entry
    # sends staff back to the index, before any permission is asked.
    "admin:axes_accessfailurelog_history": "302",
}
ADMIN_NON_STAFF = {"admin:login": "200", "admin:logout": "302"}
# Models whose admin the administrator may not use at all (Django's groups, the sign-in records).
ADMIN_CLOSED_APPS = ("auth", "axes")


def admin_expected(route: Route, role: str) -> str:
    if role != "administrator":
        if role == "anonymous" and route.key == "admin:logout":
            return "302"
        return ADMIN_NON_STAFF.get(route.key, "admin-login")
    if route.key in ADMIN_STAFF:
        return ADMIN_STAFF[route.key]
    if route.route.endswith("<path:object_id>/"):  # the old address of an object: on to its change page
        return "302"
    model_admin = getattr(route.pattern.callback, "model_admin", None)
    if model_admin is not None and model_admin.model._meta.app_label in ADMIN_CLOSED_APPS:
        return "403"
    model = model_admin.model.__name__ if model_admin is not None else ""
    if route.key.endswith("_add") and model in ADMIN_NO_ADD:
        return "403"
    if route.key.endswith("_delete") and model in ADMIN_NO_DELETE:
        return "403"
    return "200"


# The admins that take no additions (records the application makes itself), and those whose objects
# are not deleted there (sessions are cancelled, programs that took lawyers closed, history kept); quotas
# change only on their own page, which keeps their rules and history.
ADMIN_NO_ADD = {"Invitation", "Notification", "TrainingSession", "SessionChange", "ProvinceQuota", "QuotaChange"}
ADMIN_NO_DELETE = {"Program", "TrainingSession", "SessionChange", "ProvinceQuota", "QuotaChange"}  # program: published


def expected(route: Route, role: str) -> str:
    """The declared outcome; KeyError names a URL that has no row in ACCESS."""
    if route.is_admin:
        return admin_expected(route, role)
    if route.key not in ACCESS:
        raise KeyError(
            f"{route.key} ({route.route}) has no row in tests/platform/access.py ACCESS: declare who may use it"
        )
    return ACCESS[route.key][role]
