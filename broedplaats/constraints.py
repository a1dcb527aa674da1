"""A PostgreSQL exclusion constraint that steps aside on other databases.

SQLite cannot hold an exclusion constraint; there the service performs the same check
inside an IMMEDIATE transaction (see settings), so both databases refuse the same thing
with the same message.
"""

from django.contrib.postgres.constraints import ExclusionConstraint


class PostgresExclusionConstraint(ExclusionConstraint):
    @staticmethod
    def _is_postgres(schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._is_postgres(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._is_postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._is_postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using="default"):
        from contextlib import nullcontext

        from django.db import DataError, connections, transaction

        connection = connections[using]
        if connection.vendor != "postgresql":
            return
        # A period that ends before it starts cannot form a range: PostgreSQL raises DataError
        # instead of answering. The model's check constraints report that period, so treat it
        # as nothing to compare, as Django's Q.check() does for a CheckConstraint.
        savepoint = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
        try:
            with savepoint:
                super().validate(model, instance, exclude=exclude, using=using)
        except DataError:
            return
