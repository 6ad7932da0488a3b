"""gunicorn settings for production (read from the working directory: `gunicorn helpdesk.wsgi`).

Every value can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY, GUNICORN_THREADS,
GUNICORN_TIMEOUT, GUNICORN_ACCESS_LOG) or on the command line.

Threaded workers (gthread), one per core with 8 threads each. A /v1 call is a few milliseconds of
Python between waits on PostgreSQL, Redis and the socket; a sync worker idles through those waits, and
it closes the connection after every answer and lingers for the client's FIN (gunicorn's graceful
close), so the mixed load test (scripts/loadtest.sh, 2 shared cores, 16 clients) measured 13.7 ms of worker
CPU a call with 4 sync workers and 8.0 ms with 2 workers x 8 threads, at twice the throughput. Threads
overlap the waits and keep connections alive; one process per core keeps the GIL from being the
queue. Each thread keeps its own persistent database connection (CONN_MAX_AGE): workers x threads
connections. Put a reverse proxy (nginx, Caddy) in front: it buffers slow clients.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))  # >1: the gthread worker; 1: sync workers
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5  # seconds: the proxy (or the load test) reuses its connections
# Recycle a worker now and then so a slow leak never grows without bound; jitter keeps them apart.
max_requests = 20_000
max_requests_jitter = 2_000
# Import Django once in the master: workers fork with the code already loaded (faster start, shared
# memory). Database connections are opened lazily in each worker, never shared across the fork.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # "-" for stdout; off by default (it costs)
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "helpdesk-web"
