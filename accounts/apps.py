from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users and groups"

    def ready(self):
        from helpdesk.generations import changed_on_save_or_delete

        from . import token_cache
        from .models import ApiToken, User

        # Any change to a user or token may change what a bearer token grants: drop cached ones. A new
        # user or token has nothing cached yet.
        def changed(sender, created=False, **kwargs):
            if not created:
                token_cache.tokens_changed()

        changed_on_save_or_delete((User, ApiToken), changed, uid="token-cache")
