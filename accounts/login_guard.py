"""Limits on password guessing, shared by every way in: the API's token log-in, the browser log-in,
Django admin's log-in and password-reset requests.

Log-ins have two counters. Attempts per client address (LOGIN_RATE_LIMIT; every attempt counts)
stop one machine from hammering; failures per account (LOGIN_FAILURE_LIMIT; only wrong passwords
count) stop guesses spread over many addresses. Both are windows that end, so a real user whose
account is being attacked is kept out for at most one window, never for good. Accounts are counted
by the email as typed, whether or not such a user exists, so the answers never tell which exist.
"""

from django.conf import settings

from helpdesk import ratelimit
from helpdesk.errors import RateLimited


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def _refuse(usage: ratelimit.Usage, what: str) -> None:
    raise RateLimited(f"Too many {what}. Try again in {_minutes(usage.reset)}.", retry_after=usage.reset)


def login_check(*, ip: str, email: str) -> None:
    """Call before checking a password; raises RateLimited when this attempt must not be tried."""
    per_address = ratelimit.Rate.parse(settings.LOGIN_RATE_LIMIT)
    if per_address is not None:
        usage = ratelimit.hit(f"login:addr:{ip}", per_address)
        if not usage.allowed:
            _refuse(usage, "log-in attempts from your address")
    account_check(email=email)


def _failures(email: str) -> tuple[str, ratelimit.Rate] | None:
    """The account's wrong-password counter (its key and LOGIN_FAILURE_LIMIT), or None if unlimited."""
    rate = ratelimit.Rate.parse(settings.LOGIN_FAILURE_LIMIT)
    return (f"login:account:{ratelimit.account_key(email)}", rate) if rate is not None else None


def account_check(*, email: str) -> None:
    """The per-account part alone: also guards re-entering a password (the current one, to change it)."""
    if counter := _failures(email):
        usage = ratelimit.peek(*counter)
        if usage.count >= usage.limit:
            _refuse(usage, "failed log-ins for this account")


def login_failed(*, email: str) -> None:
    if counter := _failures(email):
        ratelimit.hit(*counter)


def login_succeeded(*, email: str) -> None:
    """The right password: the account's earlier typos no longer count against it."""
    if counter := _failures(email):
        ratelimit.clear(*counter)


def _per_address_and_email(what: str, rate_setting: str, *, ip: str, email: str, refusal: str) -> None:
    rate = ratelimit.Rate.parse(rate_setting)
    if rate is None:
        return
    for key in (f"{what}:addr:{ip}", f"{what}:account:{ratelimit.account_key(email)}"):
        usage = ratelimit.hit(key, rate)
        if not usage.allowed:
            _refuse(usage, refusal)


def password_reset_check(*, ip: str, email: str) -> None:
    """Reset mails per address and per email (PASSWORD_RESET_RATE_LIMIT each): no mail-bombing an
    inbox, no probing many addresses from one machine."""
    _per_address_and_email(
        "reset", settings.PASSWORD_RESET_RATE_LIMIT, ip=ip, email=email, refusal="password reset requests"
    )


def signup_check(*, ip: str, email: str) -> None:
    """Sign-ups per address and per email (SIGNUP_RATE_LIMIT each): the same limits for a known
    address as for a new one, so the limit says nothing about who has an account."""
    _per_address_and_email("signup", settings.SIGNUP_RATE_LIMIT, ip=ip, email=email, refusal="sign-up attempts")
