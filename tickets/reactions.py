"""Who reacts to what happened: the one hand-off from recorded events to the apps that react.

Services record a RequestEvent for every change (tickets.services._event, and the SLA clocks'
at_risk/breached moves in sla.services); each batch of events comes here, inside the same database
transaction as the change. A reaction that must not be lost (an outbox row, a survey invitation)
writes its rows now, so that a rolled-back change leaves none; slower work goes after commit.
Add a reaction as one line below, so that a reader sees every reaction in one place.
"""

from collections.abc import Sequence

from notifications import outbox
from surveys.services import invitations_for_events
from tickets.models import RequestEvent


def events_recorded(events: Sequence[RequestEvent]) -> None:
    if not events:
        return
    # (each app's reaction is called here, in the order listed)
    invitations_for_events(events)  # a survey invitation when a request reaches the active survey's trigger
    outbox.events_recorded(events)  # email and webhook deliveries, written with the change
