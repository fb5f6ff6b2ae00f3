"""The list pattern (README, "How the code is laid out"): a page that lists rows is a FilteredListView subclass
that names its FilterSet, its queryset and what it fixes; the base gives it the filter form (rendered from the
FilterSet by templates/filters/form.html, each field by templatetags/filter_fields.py), sorting by the column
headers, a bounded count and pages.

It lives with the pages that use it, all of them licensing's; nothing in it is about licensing, so it can move to a
project module unchanged when another app gets a list page.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.core.paginator import Paginator
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from core.filters import FilterSet

# How many rows past the page shown a bounded list counts exactly; beyond, it says "more than".
COUNT_AHEAD = 1000
MAX_COUNT = 2**62  # keeps LIMIT within a bigint
# The name of the OrderingFilter of a FilterSet that sorts: the column headers set it, the filter form keeps it.
ORDERING = "ordering"


class BoundedCountPaginator(Paginator):
    """Counts the rows only up to `count_ahead` past the end of the page asked for, so the count costs what the
    page costs, not what the organisation costs (an exact "unlicensed" count is an anti-join over every user:
    ~60 ms at 100,000). `count_is_lower_bound` says the list goes on past `count`; a later page counts further.
    """

    def __init__(self, object_list, per_page: int, *, wanted_page: str | None, count_ahead: int) -> None:
        super().__init__(object_list, per_page)
        try:
            wanted = max(1, int(wanted_page or 1))
        except ValueError:
            wanted = 1
        # Past the last page the paginator shows the last one, so an absurd page number just counts everything.
        self.count_limit = min(wanted * per_page + count_ahead, MAX_COUNT)
        self.count_is_lower_bound = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.count_limit + 1].count()
        self.count_is_lower_bound = counted > self.count_limit
        return min(counted, self.count_limit)


class KnownCountPaginator(Paginator):
    """A paginator given its exact count by the page, which knew it without counting the rows."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


@dataclass(frozen=True)
class FilterControl:
    """One filter of the form, as templatetags/filter_fields.py renders it: `kind` is "search", "select" or "date"."""

    kind: str
    name: str
    id: str
    label: str
    value: str
    # Lazy where they come from data: a results fragment, which renders no form, never fetches them.
    options: Iterable[tuple[str, str]] = ()
    placeholder: str = ""


def filter_control(bound: forms.BoundField, control_id: str) -> FilterControl:
    """The kind and values of one field of a FilterSet's form: a choice, a yes/no filter (core.filters.
    TriStateSelect) or a text filter given options (core.filters.DataSelect) is a select, a date a date input,
    any other text a search box."""
    form_field, widget = bound.field, bound.field.widget
    common = {"name": bound.html_name, "id": control_id, "label": str(form_field.label)}
    if isinstance(form_field, forms.NullBooleanField):
        value = {True: "true", False: "false"}.get(bound.data, "")
    else:
        value = bound.data or ""
    if isinstance(widget, forms.Select):
        return FilterControl("select", value=value, options=widget.choices, **common)
    if isinstance(form_field, forms.DateField):
        return FilterControl("date", value=value, **common)
    return FilterControl("search", value=value, placeholder=widget.attrs.get("placeholder", ""), **common)


class FilteredListView(TemplateView):
    """A filtered, sorted, paged list. Subclasses declare:

    - `filterset_class`, and `get_queryset()` (the rows the reader may see) and `get_filterset_kwargs()`;
    - `fixed_filters`: fields the page fixes (e.g. its subscription), neither shown nor counted as filtering;
    - `offer_choices(filterset)`: the options of filters whose choices come from data;
    - `filter_id_prefix` and `filter_ids`: the ids of the controls (name → id where it is not prefix + name);
    - `sort_columns` ((label, ordering key) in column order) and `default_sort`, if the FilterSet sorts;
    - `per_page`, and `per_page_choices` to let the reader choose;
    - `count_ahead` to count only so far past the page, with `total_url_name` for the exact total (htmx);
    - `unfiltered_count()`: the exact number of rows while no filter narrows them, when the page knows it already;
    - `results_target`: the element id whose htmx requests get only `results_template_name`;
    - `download_url_name`: its download (views/exports.py), linked with the filters and sorting of the page.
    """

    filterset_class: type[FilterSet]
    fixed_filters: tuple[str, ...] = ()
    filter_id_prefix = "filter-"
    filter_ids: dict[str, str] = {}
    sort_columns: tuple[tuple[str, str], ...] = ()
    default_sort = ""
    per_page = 50
    per_page_choices: tuple[int, ...] = ()
    count_ahead: int | None = None
    total_url_name = ""
    results_target = ""
    results_template_name = ""
    download_url_name = ""

    def get_queryset(self):
        raise NotImplementedError

    def get_filterset_kwargs(self) -> dict:
        return {}

    def offer_choices(self, filterset: FilterSet) -> None:
        """Give the filters whose options come from data their options (FilterSet.offer_choices)."""

    def unfiltered_count(self) -> int | None:
        """The number of rows of get_queryset(), if the page has it without counting them (None: count them)."""
        return None

    def rows_of(self, page_rows) -> list:
        """The rows of one page as the template shows them (e.g. with what each holds fetched in one query)."""
        return page_rows

    @cached_property
    def filterset(self) -> FilterSet:
        filterset = self.filterset_of(self.request.GET)
        self.offer_choices(filterset)
        return filterset

    def filterset_of(self, params: QueryDict) -> FilterSet:
        return self.filterset_class(params, queryset=self.get_queryset(), **self.get_filterset_kwargs())

    def filtered_queryset(self, filterset: FilterSet | None = None):
        """The rows the filters match; none if the filters contradict each other (say, an inverted date range),
        without asking the database."""
        filterset = filterset or self.filterset
        if filterset.form.non_field_errors():
            return filterset.queryset.none()
        rows = filterset.qs
        # The primary key last keeps pages stable when many rows share a department, a name or a moment.
        return rows.order_by(*(rows.query.order_by or rows.model._meta.ordering), "pk")

    def get_template_names(self):
        if self.results_target and self.request.htmx and self.request.htmx.target == self.results_target:
            return [self.results_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        params = self.request.GET
        shown = [bound for bound in self.filterset.form if bound.name not in {*self.fixed_filters, ORDERING}]
        page = self.paginate(self.filtered_queryset())
        page.object_list = self.rows_of(page.object_list)
        return super().get_context_data(
            filter_controls=[
                filter_control(bound, self.filter_ids.get(bound.name, self.filter_id_prefix + bound.name))
                for bound in shown
            ],
            filter_errors=[error for bound in shown for error in bound.errors]
            + list(self.filterset.form.non_field_errors()),
            filtered=any(params.get(bound.name) for bound in shown),
            ordering=params.get(ORDERING, ""),
            sort_columns=self.sort_links(params.get(ORDERING) or self.default_sort),
            per_page_choices=self.per_page_choices,
            per_page=page.paginator.per_page,
            page=page,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            list_url=self.request.path,
            total_url=self.total_url(),
            downloads=self.download_links(),
            match_query=self.filter_query().urlencode(),
            **kwargs,
        )

    @classmethod
    def rows_matching(cls, request, query: str, **kwargs):
        """Every row the filters of `query` (a list's query string, carried by its "Select all N that match")
        match, re-applied here with the reader's scope, as a queryset: the set goes to the services as it is,
        never as ids through the browser. `kwargs` are the list's URL arguments."""
        view = cls()
        view.setup(request, **kwargs)
        return view.filtered_queryset(view.filterset_of(QueryDict(query))).order_by()

    def filter_query(self) -> QueryDict:
        """The page's query string without what only pages and sorts it: which rows, not how they are shown."""
        query = self.request.GET.copy()
        for name in ("page", "per_page", ORDERING):
            query.pop(name, None)
        return query

    def paginate(self, rows):
        params = self.request.GET
        per_page = self.per_page
        if params.get("per_page") in {str(size) for size in self.per_page_choices}:
            per_page = int(params["per_page"])
        known = self.unfiltered_count()
        if known is not None and not self.filterset.filters_rows():
            paginator = KnownCountPaginator(rows, per_page, count=known)
        elif self.count_ahead is None:
            paginator = Paginator(rows, per_page)
        else:
            paginator = BoundedCountPaginator(
                rows, per_page, wanted_page=params.get("page"), count_ahead=self.count_ahead
            )
        return paginator.get_page(params.get("page"))

    def sort_links(self, ordering: str) -> list[dict]:
        """Header links: a click sorts by the column, a second click reverses it."""
        columns = []
        for label, key in self.sort_columns:
            direction = {key: "ascending", f"-{key}": "descending"}.get(ordering)
            following = f"-{key}" if direction == "ascending" else key
            columns.append({"label": label, "direction": direction, "next": following})
        return columns

    def total_url(self) -> str:
        """Where the exact total comes from when the page counted only part of the way."""
        if not self.total_url_name:
            return ""
        query = self.filter_query()
        return reverse(self.total_url_name, kwargs=self.kwargs) + (f"?{query.urlencode()}" if query else "")

    def download_links(self) -> list[dict]:
        """The list as a CSV and an XLSX file: every row its filters match, in its order."""
        if not self.download_url_name:
            return []
        query = self.request.GET.copy()
        for name in ("page", "per_page"):
            query.pop(name, None)
        suffix = f"?{query.urlencode()}" if query else ""
        return [
            {
                "label": label,
                "url": reverse(self.download_url_name, kwargs={**self.kwargs, "file_format": name}) + suffix,
            }
            for name, label in (("csv", "Download CSV"), ("xlsx", "Download XLSX"))
        ]


class ListTotalMixin:
    """Mixed into a FilteredListView: the exact number of rows its filters match. The list page fetches it after
    it is shown (htmx) when it counted only part of the way, so a slow count never holds the page up."""

    def get_template_names(self):
        return ["partials/list_total.html"]

    def get_context_data(self, **kwargs):
        return {"total": self.filtered_queryset().order_by().count()}
