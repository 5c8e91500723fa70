"""The layout's rules that a reader relies on (DESIGN.md "Layout"; the import layers themselves are
import-linter's contract in pyproject.toml, run by `make lint` and `make test`):

- services never import their app's tasks (tasks import services; work is queued by name, common.tasks);
- every task queued by name is a task the worker knows;
- where an app may not import another's enum, the literal it uses instead equals the enum's value.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from celery import current_app

ROOT = Path(__file__).resolve().parents[2]
APPS = ("common", "notifications", "accounts", "sessions", "participants", "faculty", "certificates", "demo")


def _modules(*patterns: str):
    for app in APPS:
        for pattern in patterns:
            yield from (ROOT / app).glob(pattern)


def _imported(path: Path) -> set[str]:
    """Every module or name the file imports, dotted as written: ".tasks", "..tasks", "faculty.tasks"."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            joiner = "" if base.endswith(".") else "."
            names |= {base, *(f"{base}{joiner}{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_the_import_layers_hold():
    """import-linter's contract, run here too so that a broken layer fails the suite with its explanation."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "lint-imports"), "--no-logo", "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_never_import_tasks():
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules("services.py", "services/*.py", "importing/*.py")
        for name in _imported(path)
        if "tasks" in name.split(".") and not name.startswith("common.")
    ]
    assert not found, "queue work with common.tasks.enqueue(name, ...):\n" + "\n".join(found)


def _queued_names() -> dict[str, str]:
    """Each task name given to enqueue() or send(), with where."""
    names = {}
    for path in _modules("**/*.py"):
        tree = ast.parse(path.read_text(), str(path))
        constants = {
            target.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("enqueue", "send") and node.args:
                first = node.args[0]
                name = first.value if isinstance(first, ast.Constant) else constants.get(getattr(first, "id", ""))
                names[name] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return names


def test_every_task_queued_by_name_exists():
    queued = _queued_names()
    assert len(queued) >= 6, queued  # the walk found the places that queue work
    current_app.loader.import_default_modules()  # as the worker does when it starts
    unknown = {name: where for name, where in queued.items() if name not in current_app.tasks}
    assert not unknown, f"no task has these names: {unknown}"


def test_literals_standing_in_for_another_apps_enum_equal_it():
    from accounts.roles import Role
    from faculty import models as faculty
    from notifications.apps import ADMINISTRATORS
    from participants.models import AdmissionState, EnrolmentState
    from sessions import models as sessions

    assert (sessions.SEATED, sessions.WAITING) == (EnrolmentState.CONFIRMED, EnrolmentState.WAITLISTED)
    assert (faculty.SEATED, faculty.ADMITTED) == (EnrolmentState.CONFIRMED, AdmissionState.ADMITTED)
    assert frozenset({Role.ADMINISTRATOR.value}) == ADMINISTRATORS
