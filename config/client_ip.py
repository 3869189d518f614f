from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address for login throttling.

    Behind TRUSTED_PROXY_COUNT reverse proxies, the client is the address those proxies appended
    last-but-N to X-Forwarded-For; anything to its left was written by the client and is not
    trusted. With no proxy configured, X-Forwarded-For is ignored entirely."""
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if len(forwarded) >= count:
        return forwarded[-count]
    return remote
