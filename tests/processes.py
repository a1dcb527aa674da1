"""Real races between processes: each call runs in a forked process with its own database
connection, all released together, as two requests to two server workers would be.

Threads (tests/concurrency.py) share one interpreter; processes share nothing but the
database, so what keeps them apart is only the database's locks, as in production.
"""

import multiprocessing
import os
import pickle
import signal
import time
import traceback

from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation

from chains import locking

RELEASE_TIMEOUT = 20  # seconds for every process to reach the start line
RESULT_TIMEOUT = 30  # seconds for each to answer; PostgreSQL finds a deadlock within 1 s


class Refused(Exception):
    """An answer in words the caller can act on: a 4xx over HTTP, with its messages."""

    def __init__(self, status: int, messages: list[str]):
        super().__init__(status, messages)
        self.status, self.messages = status, messages


def messages_of(body) -> list[str]:
    """Every message in a DRF error body, wherever it is nested."""
    if isinstance(body, str):
        return [body]
    if isinstance(body, dict):
        return [m for value in body.values() for m in messages_of(value)]
    if isinstance(body, list):
        return [m for value in body for m in messages_of(value)]
    return [str(body)]


def api_post(client, url: str, data: dict | None = None):
    """POST as JSON; the body on a 2xx, `Refused` on a 4xx. A 5xx, or an exception the view
    let through, fails the call (the test client raises it)."""
    response = client.post(url, data or {}, format="json")
    if 200 <= response.status_code < 300:
        return response.json()
    if 400 <= response.status_code < 500:
        raise Refused(response.status_code, messages_of(response.json()))
    raise AssertionError(f"{response.status_code} from {url}: {response.content[:500]!r}")


def deadlocks_so_far() -> int:
    """How many deadlocks PostgreSQL has detected in the test database (all sessions, the
    ended ones included: a session's figures are added when it ends, at the latest)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _outcome(call):
    try:
        return ("ok", call())
    except Refused as refusal:
        return ("refused", refusal.messages)
    except ValidationError as error:
        return ("refused", error.messages)
    except Exception:  # the test reports it
        return ("error", traceback.format_exc())


def _child(call, barrier, writer, attempts: int | None) -> None:
    code = 0
    try:
        if attempts is not None:
            locking.ATTEMPTS = attempts
        with translation.override("en"):
            connections["default"].ensure_connection()  # connect first, so all start level
            barrier.wait(timeout=RELEASE_TIMEOUT)
            outcome = _outcome(call)
        try:
            payload = pickle.dumps(outcome)
        except Exception:
            payload = pickle.dumps(("error", f"unpicklable result: {outcome!r}"))
        writer.send_bytes(payload)
    except BaseException:
        code = 1
        try:
            writer.send_bytes(pickle.dumps(("error", traceback.format_exc())))
        except Exception:
            pass
    finally:
        connections.close_all()
        # Never return into the parent's pytest (its fixtures, its atexit handlers).
        os._exit(code)


def race_processes(*calls, attempts: int | None = None) -> list[tuple[str, object]]:
    """Run each call in its own forked process, released together; return per call
    ("ok", value), ("refused", messages) or ("error", traceback), in the calls' order.

    `attempts` sets `chains.locking.ATTEMPTS` in the children (1: see a conflict's raw
    refusal). Values must pickle: return ids, statuses and JSON, not model instances.
    """
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(calls))
    # The parent's connection must not be inherited: a child closing its copy would end the
    # parent's session on the server. The parent reconnects on its next query.
    connections.close_all()
    children = []
    for call in calls:
        reader, writer = context.Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:  # pragma: no cover (runs in the child)
            reader.close()
            _child(call, barrier, writer, attempts)
        writer.close()
        children.append((pid, reader))
    results = []
    try:
        for _pid, reader in children:
            if reader.poll(RELEASE_TIMEOUT + RESULT_TIMEOUT):
                results.append(pickle.loads(reader.recv_bytes()))
            else:
                results.append(("error", "no answer: the process hung"))
    finally:
        for pid, reader in children:
            reader.close()
            _reap(pid)
    return results


def _reap(pid: int) -> None:
    """Wait a moment for a child to exit (it closes its connection first), else kill it."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def run_in_process(call) -> tuple[int | None, list]:
    """Run `call(report)` in a forked process with its own connection and wait for it to end,
    however it ends (a SIGKILL in the middle of a transaction included); `report(value)` sends
    a picklable value to the parent as it goes. Returns (the signal that ended the process or
    None, the values reported), so a test can kill a process in the middle of a write and see
    what the database kept."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    connections.close_all()  # as race_processes: the child must not share the parent's session
    pid = os.fork()
    if pid == 0:  # pragma: no cover (runs in the child)
        reader.close()
        code = 0
        try:
            with translation.override("en"):
                call(lambda value: writer.send_bytes(pickle.dumps(value)))
        except BaseException:
            code = 1
            writer.send_bytes(pickle.dumps(("error", traceback.format_exc())))
        finally:
            connections.close_all()
            os._exit(code)
    writer.close()
    reported = []
    deadline = time.monotonic() + RESULT_TIMEOUT
    try:
        # Until end of file: the child's end of the pipe closes when it exits or is killed.
        while reader.poll(max(0.0, deadline - time.monotonic())):
            try:
                reported.append(pickle.loads(reader.recv_bytes()))
            except EOFError:
                break
        else:
            os.kill(pid, signal.SIGKILL)  # hung: the test fails on what it did not report
    finally:
        reader.close()
    _, status = os.waitpid(pid, 0)
    return (os.WTERMSIG(status) if os.WIFSIGNALED(status) else None), reported
