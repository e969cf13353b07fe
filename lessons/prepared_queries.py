"""Querysets whose SQL Django builds once per process, then runs with the values of the moment.

Django turns a queryset into SQL each time it runs it. For the small queries
every lab request makes of its own (the site session with its learner, the
learner's latest exchanges), building the SQL costs more than the database
does (docs/performance.md). A PreparedQuery builds its queryset once, with
stand-in values, keeps the SQL and the compiler Django made for it, and from
then on runs that SQL with the values it is called with. Its rows become model
instances as Django's own ModelIterable makes them: the same converters, the
same `from_db()`, the select_related relations filled in.

Only values that reach the database unchanged can be parameters: strings and
integers, compared with `=`. A stand-in that the compiled parameters do not
hold exactly once, or that shows up changed in another parameter (a
`startswith`, say) or in the SQL itself, is refused at the first call, so a
queryset Django adapts differently cannot run a wrong query. So is anything
ModelIterable would add to the rows and this does not: annotations,
prefetch_related, rows of a related manager, values().
PreparedRows does the same for a values_list() queryset: tuples, each column
converted as Django converts it, except the columns named `raw`, which stay as
the database gave them until `convert()` is asked (a JSON column nobody reads
need not be decoded). PreparedInsert does it for the INSERT of a new instance
(the lab's exchange, recorded on every lab request).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

# A column's converters as the compiler's get_converters() finds them: its position in the
# row, the functions, and the expression they are given.
Converters = tuple[int, list, Any]


@dataclass(frozen=True)
class _Compiled:
    alias: str
    compiler: Any
    sql: str
    params: tuple
    positions: tuple[int, ...]
    # What Django would convert in each row (results_iter() finds them again on every call).
    converters: list[Converters]


class _Prepared:
    """`build(*values)` makes the queryset; its SQL is built once per database alias."""

    def __init__(self, build: Callable[..., QuerySet], *stand_ins: str | int):
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[str, Any] = {}
        self._model: type[Model] | None = None

    def _rows(self, values: tuple) -> tuple[Any, list[tuple]]:
        """The compiled query for the database of the moment, and its rows for `values`,
        as the database returns them."""
        if len(values) != len(self._stand_ins) or any(
            type(value) is not type(stand_in)
            for value, stand_in in zip(values, self._stand_ins, strict=True)
        ):
            raise TypeError(f"expected values like {self._stand_ins!r}, got {values!r}")
        compiled = self._compiled.get(router.db_for_read(self._model)) if self._model else None
        if compiled is None:
            queryset = self._build(*self._stand_ins)
            compiled = self._compiled[queryset.db] = self._compile(queryset)
            self._model = queryset.model
        params = list(compiled.sql.params)
        for position, value in zip(compiled.sql.positions, values, strict=True):
            params[position] = value
        with connections[compiled.sql.alias].cursor() as cursor:
            cursor.execute(compiled.sql.sql, params)
            return compiled, cursor.fetchall()

    def _compile(self, queryset: QuerySet) -> Any:
        raise NotImplementedError

    def _sql(self, queryset: QuerySet) -> _Compiled:
        """The queryset's SQL, where each stand-in sits among its parameters, and the
        columns' converters."""
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = []
        for stand_in in self._stand_ins:
            found = [
                index
                for index, param in enumerate(params)
                if type(param) is type(stand_in) and param == stand_in
            ]
            changed = isinstance(stand_in, str) and (
                stand_in in sql
                or any(
                    isinstance(param, str) and stand_in in param and param != stand_in
                    for param in params
                )
            )
            if len(found) != 1 or changed:
                raise ValueError(
                    f"{stand_in!r} is not one unchanged parameter of {sql!r} {params!r}"
                )
            positions.append(found[0])
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError("a composite primary key is not prepared")
        converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(columns).items()
        ]
        return _Compiled(alias, compiler, sql, tuple(params), tuple(positions), converters)


def _converted(rows: list[tuple], converters: list[Converters], connection) -> list[list]:
    """The rows with each column converted as the compiler's apply_converters() does."""
    converted = []
    for row in map(list, rows):
        for position, functions, expression in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(row)
    return converted


@dataclass(frozen=True)
class _ModelRows:
    sql: _Compiled
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    populators: list


class PreparedQuery(_Prepared):
    """`build(*values)` makes the queryset; `query(*values)` returns its instances."""

    def __call__(self, *values: str | int) -> list[Model]:
        compiled, rows = self._rows(values)
        alias = compiled.sql.alias
        instances = []
        for row in _converted(rows, compiled.sql.converters, connections[alias]):
            instance = compiled.model.from_db(
                alias, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances

    def _compile(self, queryset: QuerySet) -> _ModelRows:
        if (
            queryset._iterable_class is not ModelIterable
            or queryset.query.annotation_select
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            raise ValueError("only a plain queryset of model instances can be prepared")
        sql = self._sql(queryset)
        klass_info, select = sql.compiler.klass_info, sql.compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _ModelRows(
            sql=sql,
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, sql.alias),
        )


@dataclass(frozen=True)
class _ValueRows:
    sql: _Compiled
    # The columns converted at once.
    converted: list[Converters]
    # The raw columns' converters and expression, by field name.
    raw: dict[str, tuple[list, Any]]


class PreparedRows(_Prepared):
    """`build(*values)` makes a values_list() queryset of model fields; `query(*values)`
    returns its tuples, each column converted as Django does, except the `raw` ones, left
    as the database gave them: `convert(name, value)` converts one of those when needed."""

    def __init__(
        self, build: Callable[..., QuerySet], *stand_ins: str | int, raw: Iterable[str] = ()
    ):
        super().__init__(build, *stand_ins)
        self._raw = frozenset(raw)

    def __call__(self, *values: str | int) -> list[tuple]:
        compiled, rows = self._rows(values)
        if not compiled.converted:
            return rows
        connection = connections[compiled.sql.alias]
        return [tuple(row) for row in _converted(rows, compiled.converted, connection)]

    def convert(self, name: str, value: Any) -> Any:
        """A raw column's value, converted as Django would have (after a first call)."""
        alias = router.db_for_read(self._model)
        connection = connections[alias]
        # A column without converters is already as Django gives it.
        functions, expression = self._compiled[alias].raw.get(name, ((), None))
        for function in functions:
            value = function(value, expression, connection)
        return value

    def _compile(self, queryset: QuerySet) -> _ValueRows:
        query = queryset.query
        if (
            queryset._iterable_class is not ValuesListIterable
            or query.annotation_select
            or query.extra_select
            or queryset._prefetch_related_lookups
        ):
            raise ValueError("only a values_list() of model fields can be prepared as rows")
        sql = self._sql(queryset)
        names = [column[0].target.name for column in sql.compiler.select]
        if not self._raw <= set(names):
            raise ValueError(f"{sorted(self._raw - set(names))} are not columns of {sql.sql!r}")
        raw_positions = {names.index(name): name for name in self._raw}
        return _ValueRows(
            sql=sql,
            converted=[column for column in sql.converters if column[0] not in raw_positions],
            raw={
                raw_positions[position]: (functions, expression)
                for position, functions, expression in sql.converters
                if position in raw_positions
            },
        )


@dataclass(frozen=True)
class _Insert:
    sql: str
    returning_params: tuple
    # The returned primary key's converters, as the compiler's execute_sql() applies them.
    converters: list[Converters]


class PreparedInsert:
    """`insert(instance)` saves a new `model` instance as its `save()` would, with the SQL of
    the INSERT built once per database alias.

    Each field's value is what Django's insert compiler makes of it (`pre_save()`, so
    `auto_now_add` too, then `get_db_prep_save()`), in the SQL the compiler builds for a
    blank instance; the new primary key comes back from `RETURNING` and goes through the
    same converters, and the instance is left as `save()` leaves it. Only where that is
    all `save()` would do: a model without parents or `order_with_respect_to`, whose only
    column the database fills in is its primary key, whose fields all take a plain `%s`,
    with nothing listening to its `pre_save` or `post_save`, on a database that returns
    columns from an INSERT, and values that are not expressions. Anything else is saved by
    `save()`.
    """

    def __init__(self, model: type[Model]):
        self._model = model
        meta = model._meta
        # The fields Model._save_table() inserts for an instance without a primary key.
        self._fields = [
            f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
        ]
        self._compiled: dict[str, _Insert] = {}

    def __call__(self, instance: Model) -> Model:
        if (
            type(instance) is not self._model
            or not instance._state.adding
            or instance.pk is not None
        ):
            raise ValueError(f"only a new {self._model.__name__} without a key is inserted")
        alias = router.db_for_write(self._model, instance=instance)
        connection = connections[alias]
        values = [field.pre_save(instance, True) for field in self._fields]
        if not self._plain(connection) or any(
            hasattr(value, "resolve_expression") for value in values
        ):
            instance.save(using=alias, force_insert=True)
            return instance
        instance._prepare_related_fields_for_save(operation_name="save")
        compiled = self._compiled.get(alias) or self._compile(alias)
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(self._fields, values, strict=True)
        ]
        with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
            cursor.execute(compiled.sql, (*params, *compiled.returning_params))
            row = connection.ops.fetch_returned_insert_columns(cursor, compiled.returning_params)
        ((instance.pk,),) = _converted([row], compiled.converters, connection)
        instance._state.adding = False
        instance._state.db = alias
        return instance

    def _plain(self, connection) -> bool:
        meta = self._model._meta
        return (
            not meta.parents
            and not meta.order_with_respect_to
            and meta.db_returning_fields == [meta.pk]
            and not any(hasattr(field, "get_placeholder") for field in self._fields)
            and connection.features.can_return_columns_from_insert
            and not pre_save.has_listeners(self._model)
            and not post_save.has_listeners(self._model)
        )

    def _compile(self, alias: str) -> _Insert:
        meta = self._model._meta
        query = InsertQuery(self._model)
        query.insert_values(self._fields, [self._model()])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = meta.db_returning_fields
        ((sql, params),) = compiler.as_sql()
        returning_params = tuple(compiler.returning_params)
        placeholders = sql.count("%s")
        if placeholders != len(params) or len(params) != len(self._fields) + len(returning_params):
            raise ValueError(f"the INSERT of {meta.label} does not take one %s per field")
        columns = [field.get_col(meta.db_table) for field in compiler.returning_fields]
        converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(columns).items()
        ]
        compiled = self._compiled[alias] = _Insert(sql, returning_params, converters)
        return compiled
