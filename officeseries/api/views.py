from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .exceptions import error_body


@csrf_exempt  # it changes nothing, and a write to an unknown URL should learn that, not about CSRF
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other URL under /api/v1/: the API's own 404 body rather than the site's HTML page."""
    return JsonResponse(error_body("not_found", f"No API endpoint at {request.path}."), status=404)
