"""URL patterns of the creative's and the programmer's pages, included by broedplaats.urls."""
