"""Development and test settings (the default). Production: ``louwei.settings.production``."""

from .base import *  # noqa: F403
