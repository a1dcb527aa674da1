"""The REST API of the value chain; the router lives in broedplaats.api.urls."""
