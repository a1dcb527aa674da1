"""`manage.py seed_demo`: build the demo data set and print the demo logins.

The data itself is planned and written by `broedplaats.demo`; this command parses options,
guards against seeding twice and reports.
"""

from datetime import date
from time import perf_counter

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from broedplaats import demo
from broedplaats.housing import housing_changed
from broedplaats.services import throughput_refresh


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--today takes a date as YYYY-MM-DD, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "Build a believable demo: Amsterdam and Rotterdam with dated policies, value chains, "
        "12 buildings with 300 spaces, 1,100 creatives with stage histories (project after "
        "project, about 17,000 moves), candidate lists with their applications, screenings and "
        "offers, tenancies (renewed or ended with a reason) and social return, and one login per "
        "role. --scale N builds N times as much (more cities) for benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                            help="Random seed; the same seed and --today give the same data "
                                 "(default %(default)s).")
        parser.add_argument("--scale", type=int, default=1,
                            help="Multiply the demo: N × (12 buildings, 300 spaces, 1,100 creatives).")
        parser.add_argument("--today", type=_day, default=None,
                            help="The day the demo's history runs up to, YYYY-MM-DD "
                                 "(default: today).")
        parser.add_argument("--password", default=demo.DEMO_PASSWORD,
                            help="Password of the demo users (default %(default)r, demo only).")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing (but print the logins) when any building exists.")
        parser.add_argument("--flush", "--reset", action="store_true", dest="flush",
                            help="Delete the existing demo data first (everything in the demo's "
                                 "tables, and the demo users except 'admin').")
        parser.add_argument("--quiet", action="store_true",
                            help="Print only the logins.")

    def handle(self, *args, **options) -> None:
        quiet = options["quiet"] or options["verbosity"] == 0
        say = (lambda message: None) if quiet else self.stdout.write
        scale, password = options["scale"], options["password"]
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        if options["if_empty"] and options["flush"]:
            raise CommandError("--if-empty and --flush contradict each other; choose one.")
        today = options["today"] or timezone.localdate()
        if today < demo.EARLIEST_TODAY:
            raise CommandError(f"--today must be {demo.EARLIEST_TODAY.isoformat()} or later.")

        if options["if_empty"] and demo.demo_is_seeded():
            say("The database already has buildings; nothing seeded.")
            self.print_logins(password, seeded_now=False)
            return

        say(f"Seeding the demo (seed {options['seed']}, scale {scale}, today {today.isoformat()})...")
        started = perf_counter()
        try:
            with transaction.atomic():
                if options["flush"]:
                    try:
                        demo.demo_flush()
                    except IntegrityError as error:  # other rows still point at demo rows
                        raise CommandError(
                            f"Could not delete the existing data: {error.args[0]}") from error
                    say(f"Deleted the existing demo data in {perf_counter() - started:.1f} s.")
                    started = perf_counter()
                elif demo.demo_has_data():
                    raise CommandError(
                        "The database already holds buildings or creatives. Run with --flush to "
                        "replace them with the demo, or --if-empty to leave them."
                    )
                summary = demo.demo_build(seed=options["seed"], scale=scale, today=today,
                                          password=password, progress=say)
        except (ProtectedError, RestrictedError) as error:
            raise CommandError(f"Could not delete the existing data: {error.args[0]}") from error
        # Written in bulk, without signals: what the finder keeps of who is housed where is
        # stale now.
        housing_changed()
        # The dashboards read stage moves through a summary that cron rebuilds nightly.
        refresh = throughput_refresh()
        say(f"Summarised {refresh.spells:,} stage spells for the dashboards in "
            f"{refresh.seconds:.1f} s.")

        say("")
        say("Rows:")
        width = max(len(name) for name in summary.counts)
        for name, count in summary.counts.items():
            say(f"  {name:<{width}}  {count:>9,}")
        # Measured after the commit: PostgreSQL checks the deferred foreign keys there.
        say(f"Built and committed in {perf_counter() - started:.1f} s "
            f"(building {summary.seconds:.1f} s, then committing).")
        self.print_logins(password, creative=summary.creative_login,
                          kept=frozenset(summary.kept_users))

    def print_logins(self, password: str, creative: str = "", kept: frozenset[str] = frozenset(),
                     seeded_now: bool = True) -> None:
        """The demo logins; always printed, also with --quiet and when nothing was seeded."""
        logins = demo.demo_logins()
        if not any(exists for _demo_user, exists in logins):
            self.stdout.write("No demo users in this database.")
            return
        given = "" if seeded_now else ", unless another was given when the demo was seeded"
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(
            f'Demo logins, password "{password}"{given} (demo only: never use it on a server '
            f"others can reach):"))
        for user, exists in logins:
            if not exists:
                continue
            note = f"{user.note} ({creative})" if creative and user.role == "creative" else user.note
            if user.username in kept:
                note += "; an existing user, its password was left as it was"
            self.stdout.write(f"  {user.role:<12} {user.username:<16} {note}")
