"""Every read of users and groups: visibility lives here once."""

from django.db.models import QuerySet

from helpdesk.errors import NotFound, PermissionDenied

from .models import Group, User


def user_list(*, actor: User) -> QuerySet[User]:
    if not actor.is_agent:
        raise PermissionDenied("Only agents and admins may list users.")
    return User.objects.prefetch_related("agent_groups").order_by("email")


def user_get(*, actor: User, public_id: str) -> User:
    """Agents and admins see every user; a requester sees only themselves."""
    user = User.objects.filter(public_id=public_id).prefetch_related("agent_groups").first()
    if user is None or (not actor.is_agent and user.pk != actor.pk):
        raise NotFound("No user with this id.")
    return user


def group_list(*, actor: User) -> QuerySet[Group]:
    if not actor.is_agent:
        raise PermissionDenied("Only agents and admins may list groups.")
    return Group.objects.prefetch_related("members").order_by("name")


def group_get(*, actor: User, public_id: str) -> Group:
    if not actor.is_agent:
        raise PermissionDenied("Only agents and admins may see groups.")
    group = Group.objects.filter(public_id=public_id).prefetch_related("members").first()
    if group is None:
        raise NotFound("No group with this id.")
    return group
