"""gunicorn's settings for hrss-ops (read from the working directory: `gunicorn "app:create_app()"`).

Field phones sync in bursts and keep their connection open between records. With threaded
workers, a kept-alive connection whose next request waits for a free thread longer than the
keep-alive period is closed under it, and the phone sees a reset (it retries, but a reset is
still a failed request). Keep connections open longer than a busy moment lasts.
"""

worker_class = "gthread"
threads = 8
keepalive = 30  # seconds; gunicorn's default is 2
timeout = 60

# The access log, one line a request on stdout (the journal, or the container's log): the path
# without its query string (a search may hold a name), status, bytes, milliseconds taken and the
# request id the app echoes (X-Request-ID; the same id is on the app's own log lines, web/logs.py).
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
