"""What the API tests share: a client in English as a given user, and the API's URLs by name."""

from django.urls import reverse
from rest_framework.test import APIClient


def client_for(user=None, **headers) -> APIClient:
    """An API client asking for English, logged in as `user` (anonymous without one)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", **headers)
    if user is not None:
        client.force_login(user)
    return client


def url(name, *args) -> str:
    """The path of the API's URL named `name` (in the `api` namespace)."""
    return reverse(f"api:{name}", args=args)
