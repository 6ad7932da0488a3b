"""Small word lists and id helpers shared by the seed_data and demo_data commands.

Our own lists rather than Faker: Faker costs tens of microseconds a call, which is most of the
budget of a 100,000-request seed.
"""

import os
import string

# name -> label; the categories every helpdesk here starts with.
CATEGORIES = {
    "software": "Software",
    "hardware": "Hardware",
    "network": "Network",
    "access": "Access & accounts",
    "other": "Other",
}

TAGS = [
    "vpn",
    "email",
    "printer",
    "laptop",
    "monitor",
    "wifi",
    "password",
    "mfa",
    "onboarding",
    "offboarding",
    "license",
    "outlook",
    "teams",
    "sso",
    "backup",
    "phone",
    "docking-station",
    "slow",
    "urgent-fix",
    "known-issue",
]

FIRST_NAMES = [
    "Aisha", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Keiko", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Samir", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Anna", "Bruno", "Chloe", "Dmitri",
    "Emma", "Felix", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Marco", "Nadia", "Oscar",
]  # fmt: skip

LAST_NAMES = [
    "Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka",
    "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Novak", "Murphy", "Schmidt", "Dias",
]  # fmt: skip

# Per category: (title, description) templates. "{thing}" is filled from THINGS.
SUBJECTS = {
    "software": [
        ("{thing} crashes on start", "Since this morning {thing} closes right after it opens. I restarted twice."),
        ("Cannot install {thing}", "The installer stops at 80% with an error about missing permissions."),
        ("{thing} is very slow", "Everything in {thing} takes ages to load, other apps are fine."),
        ("Update for {thing} failed", "The automatic update failed overnight and now {thing} will not open."),
        ("Licence expired for {thing}", "{thing} says my licence expired and asks for a new key."),
    ],
    "hardware": [
        ("Laptop will not charge", "The charging light stays off with two different chargers."),
        ("Second monitor not detected", "My second screen stays black when I connect it to the dock."),
        ("Printer on floor 3 jams", "The printer next to the kitchen jams on every second page."),
        ("Keyboard keys sticking", "Several keys stick since a coffee accident. Can I get a new keyboard?"),
        ("Need a headset for calls", "My headset broke; I have customer calls all afternoon."),
    ],
    "network": [
        ("VPN disconnects every few minutes", "Working from home, the VPN drops every 5-10 minutes."),
        ("No Wi-Fi in meeting room", "Nobody can connect to the Wi-Fi in the large meeting room."),
        ("Shared drive not reachable", "The S: drive shows as disconnected since this morning."),
        ("Very slow internet at the office", "Downloads crawl and video calls freeze at my desk."),
        ("Cannot reach {thing} from home", "{thing} times out when I am on the VPN."),
    ],
    "access": [
        ("Locked out of my account", "I typed my password wrong too often and now I am locked out."),
        ("Access to {thing} for a new hire", "Our new colleague starts Monday and needs access to {thing}."),
        ("Reset MFA on my new phone", "I changed phones and can no longer approve sign-ins."),
        ("Remove access for a leaver", "A colleague left on Friday; please remove their access to {thing}."),
        ("Need admin rights for {thing}", "I need local admin rights to configure {thing} for my team."),
    ],
    "other": [
        ("Question about equipment policy", "Am I allowed to take my monitor home for remote work?"),
        ("Request for a training session", "Could someone show our team how to use {thing} properly?"),
        ("Phishing email received", "I got a suspicious email asking for my password. I did not click."),
        ("Desk move next week", "I am moving desks on Tuesday and need my phone and dock moved too."),
        ("Feedback on the new portal", "The new portal is nice, but I cannot find where to upload files."),
    ],
}

THINGS = ["Outlook", "Teams", "the CRM", "Excel", "the ERP", "Zoom", "the HR portal", "Slack", "Jira", "the intranet"]

FIRST_REPLIES = [
    "Thanks for reporting this, I am looking into it now.",
    "I have reproduced the problem and am working on a fix.",
    "Thanks, I can see the problem on our side too. On it.",
]

AGENT_REPLIES = [
    *FIRST_REPLIES,
    "Could you send a screenshot of the error, please?",
    "Please restart your machine and tell me if it still happens.",
    "I have escalated this to the vendor; I will update you tomorrow.",
    "That should be fixed now. Can you check on your side?",
]

REQUESTER_REPLIES = [
    "Thanks, here are the details you asked for.",
    "It still happens after the restart.",
    "Works again, thank you!",
    "Any news on this? It is blocking my work.",
    "I attached a screenshot of the error.",
]

INTERNAL_NOTES = [
    "Same issue as last week on floor 3; probably the switch again.",
    "Vendor ticket opened, reference VN-4471.",
    "User is VIP: keep them posted every few hours.",
    "Checked the logs: certificate expired on the proxy.",
]

RESOLUTIONS = [
    "Reinstalled the application and cleared the cache.",
    "Replaced the faulty hardware.",
    "Reset the account and re-enrolled MFA.",
    "Fixed on the server side; no action needed from the user.",
    "Explained the workaround; user confirmed it works.",
]


_ID_ALPHABET = (string.ascii_lowercase + string.digits).encode()
_ID_LENGTH = 16  # as helpdesk.ids.new_public_id
# Each byte maps to alphabet[b % 36]; bytes 252..255 are dropped so every character stays equally likely.
_ID_TABLE = bytes(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in range(256))
_ID_DROP = bytes(range(256 - 256 % len(_ID_ALPHABET), 256))


def public_ids(prefix: str, count: int) -> list[str]:
    """`count` ids shaped like helpdesk.ids.new_public_id, from the OS random source, in bulk.

    new_public_id calls secrets.choice 16 times an id, which would be seconds for a big seed. These
    come from os.urandom rather than the seeded generator so that re-running a seed adds new rows
    instead of colliding with the ids of the previous run.
    """
    needed = count * _ID_LENGTH
    chars = b""
    while len(chars) < needed:
        chars += os.urandom(needed - len(chars) + needed // 50 + 64).translate(_ID_TABLE, _ID_DROP)
    text = chars[:needed].decode()
    return [prefix + text[i : i + _ID_LENGTH] for i in range(0, needed, _ID_LENGTH)]
