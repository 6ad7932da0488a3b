from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import NotificationRule, WebhookEndpoint
        from .outbox import config_changed

        # The cached rules and endpoints (outbox._current_config) are read again after any change.
        for model in (NotificationRule, WebhookEndpoint):
            post_save.connect(config_changed, sender=model, dispatch_uid=f"notify-config-{model.__name__}-save")
            post_delete.connect(config_changed, sender=model, dispatch_uid=f"notify-config-{model.__name__}-delete")
