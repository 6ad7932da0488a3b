"""A real outage: the helpdesk runs in a subprocess with REDIS_URL pointing at a Redis that is not
there, so the cache (rate limits) and the Celery broker both fail as they would in production."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)

from django.test import Client
from accounts.models import Role, User
from accounts.services import group_create, group_update
from sla import tasks
from sla.models import BusinessCalendar, PendingRebuild
from sla.selectors import sla_for_request
from sla.services import sla_defaults_install
from tickets.models import Request

sla_defaults_install()
User.objects.create_user("agent@example.com", "correct horse battery", role=Role.AGENT)
admin = User.objects.create_superuser("admin@example.com", "correct horse battery")

from notifications import tasks as notification_tasks
from notifications.models import Delivery

publishes = []
def counting(task):
    real_delay = task.delay
    def counting_delay(*args, **kwargs):
        publishes.append(1)
        return real_delay(*args, **kwargs)
    task.delay = counting_delay
counting(tasks.recompute_request_sla)
counting(notification_tasks.deliver)  # the outbox's hand-off after commit uses the same broker

out = {}
client = Client()
login = client.post("/v1/auth/token", {"email": "agent@example.com", "password": "correct horse battery"},
                    content_type="application/json")
out["login"] = login.status_code
auth = {"HTTP_AUTHORIZATION": "Bearer " + login.json()["data"]["token"]}
listed = client.get("/v1/requests", **auth)
out["list"] = listed.status_code
out["headers"] = [listed.get("RateLimit-Limit"), listed.get("RateLimit-Remaining")]
out["writes"], out["seconds"] = [], []
for i in range(5):
    started = time.perf_counter()
    response = client.post("/v1/requests", {"title": f"t{i}", "description": "d", "priority": "high"},
                           content_type="application/json", **auth)
    out["seconds"].append(round(time.perf_counter() - started, 3))
    out["writes"].append(response.status_code)
out["publishes"] = len(publishes)
out["deliveries_waiting"] = Delivery.objects.filter(status="pending", sent_at=None).count()
out["clocks_current"] = all(
    r.sla_status and r.sla_due_at == sla_for_request(r).nearest_due for r in Request.objects.all()
)

# A change that asks for every clock to be rebuilt is recorded, then run by the next sweep.
group = group_create(actor=admin, name="Desk")
calendar = BusinessCalendar.objects.create(name="Night shift", time_zone="Asia/Tokyo")
group_update(actor=admin, group=group, changes={"calendar": calendar})
out["pending_rebuilds"] = PendingRebuild.objects.count()
tasks.sweep_due_clocks()
out["pending_after_sweep"] = PendingRebuild.objects.count()
print("RESULT " + json.dumps(out))
"""


def test_the_api_answers_and_keeps_sla_clocks_with_redis_unreachable(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_TASK_ALWAYS_EAGER", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
        HELPDESK_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
        SECRET_KEY="test-only-secret-key-for-the-outage-subprocess-0123456789",
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.split("RESULT ", 1)[1])

    assert result["login"] == 201 and result["list"] == 200
    assert result["headers"][0] == "1200"
    assert result["writes"] == [201] * 5
    assert result["publishes"] == 1, "a broker known to be down must not be tried on every write"
    assert result["deliveries_waiting"] >= 5, "each write's notifications wait in the outbox for a worker"
    assert result["clocks_current"], "the in-process fallback must keep every request's clocks current"
    assert result["pending_rebuilds"] == 1
    assert result["pending_after_sweep"] == 0
