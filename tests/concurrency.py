"""Real races for tests: callables run in threads released together, each on its own
database connection."""

import threading

import pytest
from django.db import connection
from django.utils import translation


@pytest.fixture(autouse=True)
def shared_database(django_db_setup):
    """Threads need a database they can all reach. SQLite's in-memory test database cannot be
    shared that way (its shared cache answers 'table is locked' instead of waiting), so on
    SQLite these tests run only when settings give DATABASES["default"]["TEST"]["NAME"] a file.
    """
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("SQLite test database is in memory; set DATABASES TEST NAME to a file")


def race(*calls) -> list:
    """Run the calls in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            with translation.override("en"):
                connection.ensure_connection()  # connect first, so both start level
                barrier.wait(timeout=10)
                results[index] = call()
        except Exception as error:  # the test inspects what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results
