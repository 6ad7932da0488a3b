"""Built-in SLA settings: the fallback when an install has configured none, and the demo's setup.

Targets per tier and priority: (first response, resolution) in business minutes.
"""

from datetime import time

DEFAULT_TIER = "Tier 2"
TIERS = {
    "Tier 1": {"critical": (30, 4 * 60), "high": (60, 8 * 60), "medium": (4 * 60, 16 * 60), "low": (8 * 60, 32 * 60)},
    "Tier 2": {
        "critical": (60, 8 * 60),
        "high": (4 * 60, 16 * 60),
        "medium": (8 * 60, 24 * 60),
        "low": (16 * 60, 48 * 60),
    },
}
# Per priority: (tier name, first response minutes, resolution minutes) of the default tier.
DEFAULT_TARGETS = {priority: (DEFAULT_TIER, *minutes) for priority, minutes in TIERS[DEFAULT_TIER].items()}

# Monday to Friday; the fallback calendar is in UTC, the demo's in its own zone.
OFFICE_HOURS = {day: ((time(9), time(17)),) for day in range(5)}
DEMO_TIME_ZONE = "Europe/Berlin"

# A clock is at risk when less than this share of its target time is left.
AT_RISK_SHARE = 0.25
