from django.utils.functional import SimpleLazyObject


def inbox(request):
    """``inbox_unread``: the person's unread in-app messages, counted only when a template uses it."""
    user = getattr(request, "user", None)

    def count():
        from .queries import unread_count

        return unread_count(user)

    return {"inbox_unread": SimpleLazyObject(count)}
