import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Group, Role, User
from tickets.models import Category, Comment, Priority, Request


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = Role.REQUESTER
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RequesterFactory(UserFactory):
    role = Role.REQUESTER


class AgentFactory(UserFactory):
    role = Role.AGENT


class AdminFactory(UserFactory):
    role = Role.ADMIN


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Group {n}")

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.set(extracted)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = "software"
    label = "Software"


class RequestFactory(factory.django.DjangoModelFactory):
    """A row as the database holds it; tests of behaviour go through the services."""

    class Meta:
        model = Request

    title = factory.Faker("sentence", nb_words=5)
    description = factory.Faker("paragraph")
    priority = Priority.MEDIUM
    requester = factory.SubFactory(RequesterFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    request = factory.SubFactory(RequestFactory)
    author = factory.SelfAttribute("request.requester")
    content = factory.Faker("paragraph")
    is_internal = False


def upload(name: str = "screenshot.png", content: bytes = b"\x89PNG fake image bytes") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")
