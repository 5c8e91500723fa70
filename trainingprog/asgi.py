import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainingprog.settings")
# A web server: its database connections get WEB_STATEMENT_TIMEOUT (settings.py, read just below).
os.environ["TRAININGPROG_WEB_PROCESS"] = "true"

application = get_asgi_application()
