"""gunicorn's settings for `make classroom` (scripts/classroom.py passes bind, workers and
threads on the command line; everything else is here).

    gunicorn -c tutorial/gunicorn.conf.py --bind 0.0.0.0:8000 --workers 5 --threads 1
"""

import gc
import os

wsgi_app = "tutorial.wsgi:application"
# gthread workers park idle keep-alive connections without holding a thread. One thread
# each: the lab's requests are CPU-bound Python, and threads of one worker wait for each
# other's GIL on every database round trip. Measured with make load (200 learners,
# 5 workers, SQLite, 2 cores): lab action p95 210 ms with 4 threads, 110 ms with 1.
worker_class = "gthread"
threads = 1
# How long the requests under way may take to finish when the site is stopped.
graceful_timeout = 10
# Several servers on one machine must not share ~/.gunicorn/gunicorn.ctl.
control_socket_disable = True
loglevel = "warning"

# After this many requests a worker's modules, templates, URL patterns and catalogues are
# loaded, and live as long as the worker: gc.freeze() moves them out of the collector's
# reach. Otherwise every full collection walks them all again: measured in one process
# serving lab requests, a full collection every ~2,000 requests took 126 ms (every
# request waiting on that worker waits with it); frozen, 6 ms at most.
FREEZE_AFTER_REQUESTS = 100
# Each worker's own (set after the fork); not gc.get_freeze_count(), which counts the
# frozen objects one by one.
frozen = False

LOCAL_HOSTS = {"*", "127.0.0.1", "localhost", "[::1]"}
TRUE = {"1", "true", "yes", "on"}


def learner_urls(env, bind: str, port: int) -> list[str]:
    """The addresses other machines open: the host names the site answers to."""
    hosts = [
        host.strip()
        for host in env.get("DJANGO_ALLOWED_HOSTS", "").split(",")
        if host.strip() and host.strip() not in LOCAL_HOSTS and not host.strip().startswith(".")
    ]
    if env.get("DJANGO_HTTPS", "").strip().lower() in TRUE:
        # Learners come through the TLS proxy, on its own port.
        return [f"https://{host}/" for host in hosts]
    if bind.startswith("127."):
        return []
    if bind not in {"0.0.0.0", ""}:
        hosts = [bind]
    suffix = "" if port == 80 else f":{port}"
    return [f"http://{host}{suffix}/" for host in hosts]


def banner(env, bind: str, port: int, workers: int, worker_threads: int) -> str:
    """What the instructor reads once the site is up: where learners and instructors go."""
    https = env.get("DJANGO_HTTPS", "").strip().lower() in TRUE
    urls = learner_urls(env, bind, port)
    lines = ["", "=" * 68, "  Session Lab is running for the class.", ""]
    if urls:
        through = " (through the TLS proxy)" if https else ""
        lines.append(f"  Learners join at: {urls[0]}en/join/{through}")
        lines += [f"               or:  {url}en/join/" for url in urls[1:]]
        lines.append(
            f"  Instructors:      {urls[0]}en/instructor/ (manage.py createinstructor NAME)"
        )
    elif bind.startswith("127."):
        lines.append(f"  Listening on {bind} only: other machines cannot reach it.")
    else:
        lines.append(
            "  No address for other machines (see DJANGO_ALLOWED_HOSTS): only this one can open it."
        )
    if bind in {"0.0.0.0", ""} or bind.startswith("127."):
        lines.append(f"  On this machine:  http://127.0.0.1{'' if port == 80 else f':{port}'}/")
    lines.append("")
    lines.append(
        f"  gunicorn, {workers} workers x {worker_threads} threads, DEBUG off, "
        + ("HTTPS (DJANGO_HTTPS=1)" if https else "plain http (DJANGO_HTTPS=0)")
    )
    lines.append("  Ctrl-C stops the site and the Redis and memcached it started.")
    lines += ["=" * 68, ""]
    return "\n".join(lines)


def when_ready(server) -> None:
    """gunicorn's hook: the socket is open, the workers are starting."""
    host, port = server.address[0][:2] if server.address else ("0.0.0.0", 8000)
    text = banner(os.environ, str(host), int(port), server.cfg.workers, server.cfg.threads)
    print(text, flush=True)


def post_request(worker, req, environ, resp) -> None:
    """gunicorn's hook after each request: once warm, freeze what the worker keeps, once
    (with several threads the count may pass the mark between two hooks)."""
    global frozen
    if not frozen and worker.nr >= FREEZE_AFTER_REQUESTS:
        frozen = True
        gc.freeze()
