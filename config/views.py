import sys

from django.db import Error, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    """Liveness and database check for load balancers and monitoring (no login)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error:  # DatabaseError, or InterfaceError when the connection itself is gone
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """handler500: a lost database answers 503 in Vietnamese, anything else the plain 500 page.

    Django calls this inside its ``except`` block, so ``sys.exc_info()`` names the failure.
    The pages are rendered without the request: its context processors would reach for the
    session and the user, which live in the database that has just failed. Django drops the
    broken connection at the end of the request and the next request connects afresh, so
    service resumes by itself.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)
