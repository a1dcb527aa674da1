"""The API's pages: DRF's page numbers, read strictly."""

from rest_framework import pagination
from rest_framework.exceptions import NotFound


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of PAGE_SIZE from 1. A page given twice (`?page=2&page=3`) is refused with the
    404 of an invalid page; DRF would silently read the last one."""

    def get_page_number(self, request, paginator):
        if len(request.query_params.getlist(self.page_query_param)) > 1:
            raise NotFound(self.invalid_page_message)
        return super().get_page_number(request, paginator)
