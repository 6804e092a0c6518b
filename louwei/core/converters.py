"""Path converters of the project's URLs (registered when the kernel app is ready).

``<id:pk>`` is the database id of a row: 1 to 18 digits, so it always fits a 64-bit integer column.
Django's ``<int:…>`` takes any number of digits, and a 30-digit id makes SQLite raise
``OverflowError`` and PostgreSQL "out of range" before the view can answer 404.
"""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


def register() -> None:
    register_converter(IdConverter, "id")
