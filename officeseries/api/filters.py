from django_filters.rest_framework import DjangoFilterBackend


class FilterSetKeptBackend(DjangoFilterBackend):
    """DjangoFilterBackend that keeps the FilterSet on the view (`view.filterset`): a view's `list_count` then
    asks it for the list's exact count (Pagination.get_count), which it may know without a COUNT of the rows."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset
