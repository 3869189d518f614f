"""Shows a PDF that could not be made as a message on the page the user came from."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

from .rendering import PdfRenderError


class DocumentErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PdfRenderError):
            return None
        message = str(exception)
        back = request.headers.get("Referer", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            messages.error(request, message)
            return HttpResponseRedirect(back)
        page = render_to_string("documents/pdf_error.html", {"message": message}, request=request)
        return HttpResponse(page, status=503)
