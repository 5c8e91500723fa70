import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainingprog.settings")
# A web server: its database connections get WEB_STATEMENT_TIMEOUT (settings.py, read just below).
os.environ["TRAININGPROG_WEB_PROCESS"] = "true"

application = get_wsgi_application()

# Import the URLconf (and with it every view module) now, as each worker starts, rather than during
# the first request it answers.
import_module(settings.ROOT_URLCONF)
