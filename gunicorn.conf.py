"""gunicorn settings for production (read from the working directory: `gunicorn helpdesk.wsgi`).

Every value can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY, GUNICORN_THREADS,
GUNICORN_TIMEOUT, GUNICORN_ACCESS_LOG) or on the command line.

Sync workers, about two per core: a list call is mostly Python (serialising, the envelope) plus a
few milliseconds in PostgreSQL, so more processes than cores only add context switches, and a
worker's persistent database connection (CONN_MAX_AGE) is reused by every request it serves. Put a
reverse proxy (nginx, Caddy) in front: it buffers slow clients, which sync workers must not wait on.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # >1 switches to the gthread worker
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
