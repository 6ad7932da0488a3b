from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users and groups"

    def ready(self):
        from . import token_cache
        from .models import ApiToken, User

        # Any change to a user or token may change what a bearer token grants: drop cached ones. A new
        # user or token has nothing cached yet.
        def changed(sender, created=False, **kwargs):
            if not created:
                token_cache.tokens_changed()

        for model in (User, ApiToken):
            post_save.connect(changed, sender=model, dispatch_uid=f"token-cache-{model.__name__}-save", weak=False)
            post_delete.connect(changed, sender=model, dispatch_uid=f"token-cache-{model.__name__}-delete", weak=False)
