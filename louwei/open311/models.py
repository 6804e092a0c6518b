"""API keys of the client systems that submit requests through Open311 GeoReport v2."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClientKey(models.Model):
    """One client system's API key. Only a SHA-256 hash is kept; the key is shown once, when issued."""

    name = models.CharField(_("client"), max_length=100, unique=True)
    prefix = models.CharField(_("key begins"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    party_committee = models.ForeignKey(
        "buildings.PartyCommittee", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("district"), help_text=_("Limit the key to one district's buildings; empty for all."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
