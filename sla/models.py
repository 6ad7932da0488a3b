from django.core.validators import MinValueValidator
from django.db import models

from tickets.models import Priority


class SlaTier(models.Model):
    """Response and resolution targets, in calendar minutes, for the requests of one priority.

    A first cut: the SLA issue replaces the one-tier-per-priority rule with policies and
    business-hours calendars.
    """

    name = models.CharField(max_length=50, unique=True)
    priority = models.CharField(max_length=16, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["first_response_minutes"]
        verbose_name = "SLA tier"

    def __str__(self):
        return self.name
