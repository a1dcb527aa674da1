"""Settings for tests that serve the app with gunicorn in production mode (DEBUG off): the
production settings, but static files named as they are on disk, so the test needs no
`collectstatic` (the hashed manifest is the deployment's business, docs/deploy.md)."""

from broedplaats.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
