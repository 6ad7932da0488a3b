"""What the answer form shows: each question with its choices, which one is chosen, and its error.
Plain data for the templates (the link page, the request page partial); the rules are the service's."""

from .models import SurveyInvitation, SurveyType

FIELDS = ("rating", "rating_2", "rating_3")


def _as_int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def answer_rows(
    invitation: SurveyInvitation, *, data=None, preselect=None, errors: dict | None = None, prefix: str = "survey"
) -> list[dict]:
    """data: what was just posted (shown again with its errors); preselect: the main question's rating
    from an email link; otherwise the stored answer is shown, so a later answer starts from it."""
    survey = invitation.survey
    errors = errors or {}
    rows = []
    for number, (field, question) in enumerate(zip(FIELDS, survey.questions, strict=False), start=1):
        if data is not None:
            chosen = _as_int(data.get(field))
        elif number == 1 and preselect is not None:
            chosen = _as_int(preselect)
        else:
            chosen = invitation.ratings[number - 1]
        rows.append(
            {
                "field": field,
                "number": number,
                "question": question,
                "id": f"{prefix}-{field}",
                "required": number == 1,
                "kind": {SurveyType.FIVE_STAR: "stars", SurveyType.NPS: "nps"}.get(survey.survey_type, "csat"),
                "choices": [
                    {
                        "value": point,
                        "label": survey.label(point),
                        "id": f"{prefix}-{field}-{point}".replace("--", "-minus-"),
                        "checked": chosen == point,
                        "sentiment": survey.sentiment(point),
                    }
                    for point in survey.points
                ],
                "errors": errors.get(field, []),
            }
        )
    return rows


def answer_context(invitation, *, data=None, preselect=None, errors=None, prefix="survey") -> dict:
    errors = errors or {}
    comment = data.get("comment", "") if data is not None else invitation.comment
    return {
        "invitation": invitation,
        "survey": invitation.survey,
        "rows": answer_rows(invitation, data=data, preselect=preselect, errors=errors, prefix=prefix),
        "comment": comment,
        "comment_errors": errors.get("comment", []),
        "other_errors": [m for field, msgs in errors.items() if field not in (*FIELDS, "comment") for m in msgs],
        "prefix": prefix,
    }
