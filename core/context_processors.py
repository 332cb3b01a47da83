from .navigation import sections_for


def navigation(request):
    """The navigation bar: the sections the user may use that have a page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "unread_notifications": 0}
    current = getattr(request, "resolver_match", None)
    current_name = current.view_name if current else ""
    items = [
        {
            "label": s.label,
            "url": s.url(),
            "active": current_name in {s.url_name, *s.extra_url_names},
        }
        for s in sections_for(user)
        if s.url_name
    ]
    from .notifications import notifications_unread_count

    return {"nav_sections": items, "unread_notifications": notifications_unread_count(user)}
