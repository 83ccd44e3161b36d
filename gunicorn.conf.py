"""gunicorn's settings for hrss-ops (read from the working directory: `gunicorn "app:create_app()"`).

Field phones sync in bursts and keep their connection open between records. With threaded
workers, a kept-alive connection whose next request waits for a free thread longer than the
keep-alive period is closed under it, and the phone sees a reset (it retries, but a reset is
still a failed request). Keep connections open longer than a busy moment lasts.

From the environment (deploy/hrss-ops.env): GUNICORN_BIND (host:port, or unix:/path; default
127.0.0.1:8000, behind nginx), GUNICORN_WORKERS (processes; default WEB_CONCURRENCY, else 2),
GUNICORN_THREADS (per worker; default 8). Workers are stateless (sessions are signed cookies
checked against the database, the cache is Redis when CACHE_REDIS_URL is set), so any number of
them on any number of hosts serve the same users. Workers never migrate the database: the
one-shot `hrss-ops init-db` does, before they start (deploy/systemd, deploy/compose.yaml).
"""

import os

bind = [part.strip() for part in (os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000").split(",") if part.strip()]
workers = int(os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2)
os.environ.setdefault("AUTO_MIGRATE", "0")  # read by create_app (app.py) in every worker

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 8)
keepalive = 30  # seconds; gunicorn's default is 2
timeout = 60

# The access log, one line a request on stdout (the journal, or the container's log): the path
# without its query string (a search may hold a name), status, bytes, milliseconds taken and the
# request id the app echoes (X-Request-ID; the same id is on the app's own log lines, web/logs.py).
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
