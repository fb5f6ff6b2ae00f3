"""`{% url %}` with each URL reversed once per process (TEMPLATES' `builtins` put it in place of Django's tag).

Django's tag calls reverse() every time, about 40 µs each: the frame of every page (top bar and side menu) names
some fifteen URLs, which cost a list page more than some of its queries (README, "Where a list page's time goes").
A URL depends only on the view name, the arguments, the application namespace, the URLconf, the script prefix and
the language, so the same answer is kept for those. The tag is Django's otherwise (`as var` and errors alike)."""

from collections.abc import Hashable
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode, url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=4096)  # pages name a few dozen URLs; their ids (a subscription's, a group's) make more
def _reverse(view_name: str, args: tuple, kwargs: tuple, current_app: str | None, *_context: Hashable) -> str:
    """reverse(), kept by everything its answer depends on (`_context`: URLconf, script prefix, language)."""
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


class CachedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((key, value.resolve(context)) for key, value in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        if hasattr(request, "current_app"):
            current_app = request.current_app
        else:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        found = ""
        try:
            try:
                found = _reverse(view_name, args, kwargs, current_app, urlconf, get_script_prefix(), get_language())
            except TypeError:  # an argument that cannot be a key (a list, say): reversed as Django's tag does
                found = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = found
            return ""
        return conditional_escape(found) if context.autoescape else found


@register.tag(name="url")
def cached_url(parser, token) -> CachedURLNode:
    node = url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
