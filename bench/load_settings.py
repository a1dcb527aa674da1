"""Settings for bench/load.sh: production's (DEBUG off, the environment's database, the
database cache), with two changes a load test needs.

- Static files by their plain names: the hashed manifest comes from `collectstatic`, which the
  deployment runs (docs/deploy.md); the pages only link the files, and wrk does not fetch them.
- The API's throttles are raised by the script through the environment (API_THROTTLE_ANON,
  API_THROTTLE_USER): 50 connections from one address would otherwise be refused with 429
  within a second. They still count every request in the cache, as in production.
"""

from broedplaats.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
