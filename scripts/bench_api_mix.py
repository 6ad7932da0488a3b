"""CPU per call of the load test's mix, in one process, without a server (not a test: it prints figures).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_load REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python scripts/bench_api_mix.py --calls 2000 [--profile 30]

Calls the WSGI application directly with the same random calls as scripts/loadtest.py (80% lists,
10% details, 10% comments, as seed agents), so the figure is the server's own CPU per call: what a
gunicorn worker spends, without the network or the load generator. CPU time (time.process_time) is
the figure to compare on a shared machine; it also counts the SQL queries per kind, and with
--profile prints the top of a cProfile of the measured calls.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("API_RATE_LIMIT", "1000000/min")  # capacity, not the limiter, as loadtest.sh

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from loadtest import World, seed_agent_emails  # noqa: E402


def call(method: str, url: str, token: str | None = None, body: dict | None = None) -> tuple[int, bytes]:
    path, _, query = url.partition("?")
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": "application/json" if body is not None else "",
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    status = []
    chunks = application(environ, lambda s, headers, exc_info=None: status.append(s))
    content = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return int(status[0].split()[0]), content


def log_in(email: str, password: str) -> str:
    status, content = call("POST", "/v1/auth/token", body={"email": email, "password": password})
    assert status in (200, 201), content[:300]
    return json.loads(content)["data"]["token"]


def discover(token: str) -> World:
    def get(url):
        return json.loads(call("GET", url, token)[1])["data"]

    requests = get("/v1/requests?limit=100&status=open")["requests"] + get("/v1/requests?limit=100")["requests"]
    groups = get("/v1/groups?limit=100")["groups"]
    agents = sorted({r["assignedTo"] for r in requests if r["assignedTo"]})
    return World([r["id"] for r in requests], agents, [g["id"] for g in groups])


def next_call(rng: random.Random, world: World) -> tuple[str, str, str, dict | None]:
    """The same draw as loadtest.client_loop: (kind, method, url, body)."""
    roll = rng.random()
    if roll < 0.8:
        return "list", "GET", world.list_url(rng), None
    if roll < 0.9:
        return "detail", "GET", f"/v1/requests/{rng.choice(world.request_ids)}", None
    body = {"content": f"Load test note {rng.randint(1, 10**9)}", "isInternal": rng.random() < 0.5}
    return "comment", "POST", f"/v1/requests/{rng.choice(world.request_ids)}/comments", body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, help="print this many lines of a cProfile (by tottime)")
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime or cumulative")
    parser.add_argument("--password", default=os.environ.get("SEED_PASSWORD", "seed-pass-2026"))
    args = parser.parse_args()

    tokens = [log_in(email, args.password) for email in seed_agent_emails(4)]
    world = discover(tokens[0])
    rng = random.Random(args.seed)
    plan = [(tokens[n % len(tokens)], *next_call(rng, world)) for n in range(args.warmup + args.calls)]
    for token, _kind, method, url, body in plan[: args.warmup]:
        call(method, url, token, body)

    cpu, queries = defaultdict(list), defaultdict(list)
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    for token, kind, method, url, body in plan[args.warmup :]:
        with CaptureQueriesContext(connection) as captured:
            before = time.process_time()
            if profiler:
                profiler.enable()
            status, content = call(method, url, token, body)
            if profiler:
                profiler.disable()
            cpu[kind].append((time.process_time() - before) * 1000)
        assert status in (200, 201), (url, status, content[:300])
        queries[kind].append(len(captured))
    total_cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall

    print(f"{args.calls} calls: {total_cpu * 1000 / args.calls:.2f} ms CPU per call ({wall:.1f} s wall)")
    print(f"{'kind':8} {'calls':>6} {'CPU ms mean':>12} {'CPU ms p50':>11} {'queries':>8}")
    for kind in sorted(cpu):
        print(
            f"{kind:8} {len(cpu[kind]):6} {statistics.fmean(cpu[kind]):12.2f} {statistics.median(cpu[kind]):11.2f} "
            f"{statistics.median(queries[kind]):8.0f}"
        )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.profile)
        if os.environ.get("BENCH_PROFILE_FILE"):
            profiler.dump_stats(os.environ["BENCH_PROFILE_FILE"])
        print(out.getvalue())


if __name__ == "__main__":
    main()
