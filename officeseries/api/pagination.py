from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination


def stable_order(queryset: QuerySet) -> QuerySet:
    """The queryset's ordering with the primary key appended as the last tie-breaker, so pages never overlap."""
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    if not {"pk", "-pk", "id", "-id"} & {str(term) for term in ordering}:
        ordering.append("pk")
    return queryset.order_by(*ordering)


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=`, at most MAX_LIMIT items a page, in a stable order. A view with a `list_count(queryset)`
    gives the exact `count` itself (from what the database already counts) instead of a `COUNT(*)` of the rows; one
    with a `page_rows(page)` reads the page's rows from the sliced queryset its own way (the users: ids first,
    accounts.selectors.users_page)."""

    default_limit = 50
    max_limit = 500

    def paginate_queryset(self, queryset, request, view=None):
        self.list_count = getattr(view, "list_count", None)
        if not isinstance(queryset, QuerySet):
            return super().paginate_queryset(queryset, request, view)
        queryset = stable_order(queryset)
        page_rows = getattr(view, "page_rows", None)
        if page_rows is None:
            return super().paginate_queryset(queryset, request, view)
        # DRF's own steps, but for the read of the page.
        self.request = request
        self.limit = self.get_limit(request)
        self.count = self.get_count(queryset)
        self.offset = self.get_offset(request)
        self.display_page_controls = self.count > self.limit and self.template is not None
        if self.count == 0 or self.offset > self.count:
            return []
        return page_rows(queryset[self.offset : self.offset + self.limit])

    def get_count(self, queryset) -> int:
        return self.list_count(queryset) if self.list_count is not None else super().get_count(queryset)
