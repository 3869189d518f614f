class VietnameseByDefaultMiddleware:
    """The UI is Vietnamese unless the user chose English with the language switch.

    Many officials use browsers set to English; the browser's Accept-Language must not switch
    the UI for them. Runs before LocaleMiddleware, which then reads only the language cookie
    (set by the switch) and falls back to LANGUAGE_CODE ("vi")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
