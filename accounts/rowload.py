"""The two rows every request reads, without the ORM building the same query each time.

A warm page's own work is a NOOP and a lookup (mailview/views/kept.py); next to it, the ORM
compiling ``Session.objects.get(...)`` and ``User.objects.select_related(...).get(...)`` again
on every request was the larger part of the app's CPU. Here the SQL of both is made once per
database connection vendor, with the fields' converters, and each request only executes it and
builds the model instances with ``Model.from_db`` (as the ORM does). Same tables, same columns,
same results as the ORM (tests/accounts/test_rowload.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

Converter = Callable[[Any, Any, Any], Any]
_lock = threading.Lock()
_plans: dict[tuple[str, str], tuple[str, list[tuple[Any, list[Converter]]]]] = {}


def _columns(model: type[Model], alias: str, connection: Any) -> list[tuple[Any, list[Converter]]]:
    out = []
    for field in model._meta.concrete_fields:
        col = field.get_col(alias)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        out.append((col, converters))
    return out


def _convert(
    values: Sequence[Any], columns: list[tuple[Any, list[Converter]]], connection: Any
) -> list[Any]:
    out = []
    for value, (col, converters) in zip(values, columns, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        out.append(value)
    return out


def _plan(
    name: str, db: str, make: Callable[[Any], tuple[str, list[tuple[Any, list[Converter]]]]]
) -> tuple[str, list[tuple[Any, list[Converter]]]]:
    key = (name, db)
    plan = _plans.get(key)
    if plan is None:
        with _lock:
            plan = _plans[key] = make(connections[db])
    return plan


def session_data(model: type[Model], session_key: str) -> str | None:
    """``session_data`` of the unexpired session ``session_key`` (django_session), or None."""
    db = router.db_for_read(model)
    connection = connections[db]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    sql = (
        f"SELECT {qn('session_data')} FROM {table} "  # noqa: S608 - quoted names of the model
        f"WHERE {qn('session_key')} = %s AND {qn('expire_date')} > %s"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [session_key, now])
        row = cursor.fetchone()
    return None if row is None else row[0]


def user_with_related(user_model: type[Model], related: type[Model], pk: Any) -> Model | None:
    """The user ``pk`` and, in the same query, its one-to-one ``related`` row (e.g. the
    Preferences), kept on the user as ``select_related`` would (None if it has none)."""
    db = router.db_for_read(user_model)
    link = next(
        f
        for f in related._meta.concrete_fields
        if f.is_relation and f.one_to_one and f.related_model is user_model
    )

    def make(connection: Any) -> tuple[str, list[tuple[Any, list[Converter]]]]:
        qn = connection.ops.quote_name
        users = user_model._meta.db_table
        others = related._meta.db_table
        columns = _columns(user_model, users, connection) + _columns(related, others, connection)
        select = ", ".join(f"{qn(c.alias)}.{qn(c.target.column)}" for c, _ in columns)
        sql = (
            f"SELECT {select} FROM {qn(users)} LEFT OUTER JOIN {qn(others)} "  # noqa: S608 - as above
            f"ON {qn(others)}.{qn(link.column)} = {qn(users)}.{qn(user_model._meta.pk.column)} "
            f"WHERE {qn(users)}.{qn(user_model._meta.pk.column)} = %s"
        )
        return sql, columns

    sql, columns = _plan(f"{user_model._meta.label}+{related._meta.label}", db, make)
    connection = connections[db]
    key = user_model._meta.pk
    pk = key.get_db_prep_value(key.to_python(pk), connection)  # ValidationError if not a key
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = _convert(row, columns, connection)
    count = len(user_model._meta.concrete_fields)
    user = user_model.from_db(
        db, [f.attname for f in user_model._meta.concrete_fields], values[:count]
    )
    rest = values[count:]
    other = None
    if (
        rest[[f.attname for f in related._meta.concrete_fields].index(related._meta.pk.attname)]
        is not None
    ):
        other = related.from_db(db, [f.attname for f in related._meta.concrete_fields], rest)
        other._state.fields_cache[link.name] = user
    reverse = link.remote_field
    assert reverse is not None  # a one-to-one field always has its reverse side
    user._state.fields_cache[reverse.get_accessor_name()] = other
    return user


def exists(model: type[Model], **conditions: Any) -> bool:
    """``model.objects.filter(**conditions).exists()`` for plain field conditions, ANDed: a value
    is compared with ``=``, a tuple with ``IN``. For the questions every page asks (is a message
    waiting in the outbox, is this sender trusted), with the statement made once."""
    names = sorted(conditions)
    shape = tuple(
        (n, len(conditions[n]) if isinstance(conditions[n], tuple) else -1) for n in names
    )
    db = router.db_for_read(model)
    connection = connections[db]
    by_name = {f.name: f for f in model._meta.concrete_fields}
    fields = [by_name[n] for n in names]

    def make(connection: Any) -> tuple[str, list[tuple[Any, list[Converter]]]]:
        qn = connection.ops.quote_name
        where = " AND ".join(
            f"{qn(field.column)} = %s"
            if size < 0
            else f"{qn(field.column)} IN ({', '.join(['%s'] * size)})"
            for field, (_name, size) in zip(fields, shape, strict=True)
        )
        sql = f"SELECT 1 FROM {qn(model._meta.db_table)} WHERE {where} LIMIT 1"  # noqa: S608 - quoted names of the model
        return sql, []

    sql, _columns_unused = _plan(f"{model._meta.label}?{shape}", db, make)
    params: list[Any] = []
    for field, name in zip(fields, names, strict=True):
        value = conditions[name]
        values: Collection[Any] = value if isinstance(value, tuple) else (value,)
        params += [field.get_db_prep_value(v, connection) for v in values]  # a key: its target's
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None
