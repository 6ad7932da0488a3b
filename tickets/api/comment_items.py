"""Comments as the API shows them, built by a plain function, and the request detail around them.

A request's page lists all its comments: at 50 comments DRF's nested serializers (a comment, then its
author, field by field) took more CPU than the detail's six queries. CommentSerializer and
RequestDetailSerializer still declare the shapes for the OpenAPI schema, and a test holds these
functions to their output, key order included.
"""

from .list_items import datetime_formatter
from .serializers import RequestDetailSerializer


class _DetailWithoutComments(RequestDetailSerializer):
    comments = None  # shaped by comment_items instead


def comment_items(comments) -> list[dict]:
    """What CommentSerializer(comments, many=True).data shows (comments with their authors loaded)."""
    as_text = datetime_formatter()
    return [_comment(comment, as_text) for comment in comments]


def comment_item(comment) -> dict:
    return _comment(comment, datetime_formatter())


def _comment(comment, as_text) -> dict:
    return {
        "id": comment.public_id,
        "content": comment.content,
        "author": {"id": comment.author.public_id, "name": comment.author.get_full_name()},
        "isInternal": comment.is_internal,
        "createdAt": as_text(comment.created_at),
    }


def request_detail(request) -> dict:
    """What RequestDetailSerializer(request).data shows, in its key order: the comments (the request's
    `visible_comments`) by comment_items, the rest by the serializer."""
    shaped = {}
    for key, value in _DetailWithoutComments(request).data.items():
        if key == "attachments":  # the comments come just before them
            shaped["comments"] = comment_items(request.visible_comments)
        shaped[key] = value
    return shaped
