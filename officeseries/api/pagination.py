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
    gives the exact `count` itself (from what the database already counts) instead of a `COUNT(*)` of the rows."""

    default_limit = 50
    max_limit = 500

    def paginate_queryset(self, queryset, request, view=None):
        self.list_count = getattr(view, "list_count", None)
        if isinstance(queryset, QuerySet):
            queryset = stable_order(queryset)
        return super().paginate_queryset(queryset, request, view)

    def get_count(self, queryset) -> int:
        return self.list_count(queryset) if self.list_count is not None else super().get_count(queryset)
