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
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators


@dataclass(frozen=True)
class _Compiled:
    alias: str
    compiler: Any
    sql: str
    params: tuple
    positions: tuple[int, ...]
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    populators: list


class PreparedQuery:
    """`build(*values)` makes the queryset; `query(*values)` returns its instances."""

    def __init__(self, build: Callable[..., QuerySet], *stand_ins: str | int):
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[str, _Compiled] = {}
        self._model: type[Model] | None = None

    def __call__(self, *values: str | int) -> list[Model]:
        if len(values) != len(self._stand_ins) or any(
            type(value) is not type(stand_in)
            for value, stand_in in zip(values, self._stand_ins, strict=True)
        ):
            raise TypeError(f"expected values like {self._stand_ins!r}, got {values!r}")
        compiled = self._compiled.get(router.db_for_read(self._model)) if self._model else None
        if compiled is None:
            compiled = self._compile()
        alias = compiled.alias
        params = list(compiled.params)
        for position, value in zip(compiled.positions, values, strict=True):
            params[position] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        instances = []
        for row in compiled.compiler.results_iter(results=[rows]):
            instance = compiled.model.from_db(
                alias, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances

    def _compile(self) -> _Compiled:
        queryset = self._build(*self._stand_ins)
        if (
            queryset._iterable_class is not ModelIterable
            or queryset.query.annotation_select
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            raise ValueError("only a plain queryset of model instances can be prepared")
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
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        compiled = _Compiled(
            alias=alias,
            compiler=compiler,
            sql=sql,
            params=tuple(params),
            positions=tuple(positions),
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, alias),
        )
        self._model = queryset.model
        self._compiled[alias] = compiled
        return compiled
