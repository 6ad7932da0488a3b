from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self):
        from accounts.models import Group
        from helpdesk.generations import changed_on_save_or_delete

        from . import models
        from .selectors import config_changed

        # Processes keep the SLA configuration (selectors.current_config): any change to it, by admin,
        # a service or a command, tells them to load it again.
        def changed(sender, instance=None, update_fields=None, **kwargs):
            if sender is Group and update_fields is not None and "calendar" not in update_fields:
                return  # a group's other fields are not SLA configuration
            config_changed()

        senders = (
            models.BusinessCalendar,
            models.OpeningHours,
            models.Holiday,
            models.SlaTier,
            models.SlaTarget,
            models.SlaPolicy,
            Group,
        )
        changed_on_save_or_delete(senders, changed, uid="sla-config")
