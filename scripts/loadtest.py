"""A mixed load against a running server, for a set time (not a test: it prints figures).

    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8000 --duration 60 --concurrency 16

80% lists with random filters, orderings and pages, 10% request details, 10% new comments (half of
them internal notes), as the seed agents of `seed_data` (password SEED_PASSWORD, default
seed-pass-2026; one agent, one token per client, so the per-user rate limit is not the thing measured).
Prints requests per second and, per kind, p50/p95/p99 latency and errors, and the CPU the load
generator itself used: it shares the machine with the server, so it must stay cheap. aiohttp (pinned in
requirements-dev.txt; its C parser costs a fraction of httpx's CPU a call) and the standard library:
one asyncio event loop, `--concurrency` clients each sending its next call as soon as the last one
answered (a closed loop, as 16 busy integrations would).
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tickets.management import fake  # noqa: E402  (plain data, no Django)

AGENT_DOMAIN = "staff.example.com"  # as tickets/management/commands/seed_data.py makes them
STATUSES = ["open", "assigned", "in_progress", "pending", "resolved", "closed"]
PRIORITIES = ["low", "medium", "high", "critical"]
SLA = ["on_track", "at_risk", "breached", "met", "paused"]
ORDERINGS = ["-createdAt", "createdAt", "-updatedAt", "updatedAt", "sla", "-sla"]


def seed_agent_emails(count: int) -> list[str]:
    return [f"{fake.FIRST_NAMES[i]}.{fake.LAST_NAMES[-1 - i]}@{AGENT_DOMAIN}".lower() for i in range(count)]


class World:
    """What the random calls draw from: ids discovered from the server before the clock starts."""

    def __init__(self, request_ids, agent_ids, group_ids):
        self.request_ids, self.agent_ids, self.group_ids = request_ids, agent_ids, group_ids

    def list_url(self, rng: random.Random) -> str:
        params = {"limit": rng.choice([20, 20, 50, 100])}
        if rng.random() < 0.4:
            params["status"] = rng.choice(STATUSES)
        if rng.random() < 0.25:
            params["priority"] = rng.choice(PRIORITIES)
        if rng.random() < 0.2:
            params["assignedTo"] = rng.choice(self.agent_ids)
        if rng.random() < 0.2:
            params["groupId"] = rng.choice(self.group_ids)
        if rng.random() < 0.1:
            params["slaStatus"] = rng.choice(SLA)
        if rng.random() < 0.1:
            month = rng.randint(1, 11)
            params["createdAfter"], params["createdBefore"] = f"2026-{month:02}-01", f"2026-{month + 1:02}-01"
        if rng.random() < 0.5:
            params["ordering"] = rng.choice(ORDERINGS)
        if rng.random() < 0.3:
            params["page"] = rng.randint(2, 10)
        return "/v1/requests?" + "&".join(f"{k}={v}" for k, v in params.items())


async def log_in(client: aiohttp.ClientSession, email: str, password: str) -> str:
    async with client.post("/v1/auth/token", json={"email": email, "password": password}) as response:
        response.raise_for_status()
        return (await response.json())["data"]["token"]


async def discover(client: aiohttp.ClientSession, token: str) -> World:
    headers = {"Authorization": f"Bearer {token}"}

    async def get(url):
        async with client.get(url, headers=headers) as response:
            return (await response.json())["data"]

    # Details and comments go to up to 1,200 requests still being worked on: spread over as many, one
    # run's thousand comments make no request's thread unusually long (and none is closed, where
    # agents may not write).
    requests = []
    for status in ("open", "assigned", "in_progress", "pending"):
        for page in (1, 2, 3):
            requests += (await get(f"/v1/requests?limit=100&status={status}&page={page}"))["requests"]
    groups = (await get("/v1/groups?limit=100"))["groups"]
    agents = sorted({r["assignedTo"] for r in requests if r["assignedTo"]})
    return World([r["id"] for r in requests], agents, [g["id"] for g in groups])


async def client_loop(n, client, token, world, deadline, results, errors, seed):
    rng = random.Random(seed + n)
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.8:
            kind, call = "list", client.get(world.list_url(rng), headers=headers)
        elif roll < 0.9:
            kind, call = "detail", client.get(f"/v1/requests/{rng.choice(world.request_ids)}", headers=headers)
        else:
            body = {"content": f"Load test note {rng.randint(1, 10**9)}", "isInternal": rng.random() < 0.5}
            kind = "comment"
            call = client.post(f"/v1/requests/{rng.choice(world.request_ids)}/comments", json=body, headers=headers)
        started = time.monotonic()
        try:
            async with call as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            status = type(error).__name__
        elapsed = (time.monotonic() - started) * 1000
        if status in (200, 201):
            results[kind].append(elapsed)
        else:
            errors[(kind, status)] += 1


def cpu_by_kind() -> dict[str, float]:
    """CPU seconds used so far by this machine's processes, by kind (Linux /proc): the web workers,
    Celery, PostgreSQL, Redis, and "machine" for all CPUs together (busy time in /proc/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = Counter()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split("(", 1)[1].rsplit(")", 1)
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        kind = _kind(name, command)
        if kind:
            fields = rest.split()
            used[kind] += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    user, nice, system, _idle, _iowait, irq, softirq, steal = Path("/proc/stat").read_text().split()[1:9]
    used["machine"] = sum(map(int, (user, nice, system, irq, softirq, steal))) / ticks
    return used


def _kind(name: str, command: bytes) -> str | None:
    if b"gunicorn" in command:
        return "web"
    if b"celery" in command:
        return "celery"
    return {"postgres": "postgres", "redis-server": "redis"}.get(name)


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))] if values else float("nan")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--duration", type=float, default=60, help="seconds of measured load")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before measuring")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--password", default=os.environ.get("SEED_PASSWORD", "seed-pass-2026"))
    args = parser.parse_args()

    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base_url=args.url, connector=connector, timeout=timeout) as client:
        emails = seed_agent_emails(20)
        tokens = [await log_in(client, emails[n % len(emails)], args.password) for n in range(args.concurrency)]
        world = await discover(client, tokens[0])
        for seconds in (args.warmup, args.duration):  # the warm-up's figures are dropped
            results, errors = defaultdict(list), Counter()
            started, started_cpu, cpu_before = time.monotonic(), time.process_time(), cpu_by_kind()
            deadline = started + seconds
            await asyncio.gather(
                *[
                    client_loop(n, client, tokens[n], world, deadline, results, errors, args.seed)
                    for n in range(args.concurrency)
                ]
            )
            wall, loadgen_cpu = time.monotonic() - started, time.process_time() - started_cpu
            cpu = {kind: used - cpu_before.get(kind, 0) for kind, used in cpu_by_kind().items()}
        done = sum(len(v) for v in results.values())
        failed = sum(errors.values())
        print(
            f"{args.url}: {args.concurrency} clients, {args.duration:.0f} s measured after {args.warmup:.0f} s "
            f"warm-up: {done + failed} calls, {(done + failed) / wall:.1f} requests/s, {failed} errors; "
            f"load generator {loadgen_cpu:.1f} CPU s ({loadgen_cpu * 1000 / max(1, done + failed):.2f} ms a call)"
        )
        print(f"{'kind':8} {'calls':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
        everything = [t for v in results.values() for t in v]
        for kind, timings in [*sorted(results.items()), ("all", everything)]:
            print(
                f"{kind:8} {len(timings):7} {percentile(timings, 0.5):8.1f} {percentile(timings, 0.95):8.1f} "
                f"{percentile(timings, 0.99):8.1f} {statistics.fmean(timings) if timings else float('nan'):8.1f}"
            )
        for (kind, status), count in sorted(errors.items(), key=str):
            print(f"error: {kind} -> {status}: {count}")
        # Where the time went, in the measured window only. Processes are told apart by name, so run it
        # on an otherwise quiet machine; a process that ended during the window is missing from its kind
        # (the machine total still has it).
        calls = max(1, done + failed)
        cpu["load generator"] = loadgen_cpu
        print(
            f"CPU in the measured window ({os.cpu_count()} CPUs, {wall:.0f} s): "
            + ", ".join(
                f"{kind} {seconds:.1f} s ({seconds * 1000 / calls:.2f} ms a call)"
                for kind, seconds in sorted(cpu.items(), key=lambda item: -item[1])
            )
        )


if __name__ == "__main__":
    asyncio.run(main())
