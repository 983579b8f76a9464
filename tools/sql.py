"""The batch UPDATE the engine writes its set-based results with (no ORM, no database here)."""

from odoo.tools import SQL


def batch_update(table, values, types, *, overwrite=(), extra=None):
    """One ``UPDATE`` of ``table`` for a whole batch: ``values`` is ``{row id: {column: value}}``.

    The ORM writes rows with different values one statement at a time; the collection run and
    the delivery write thousands of such rows, so the values travel as one array per column
    (``unnest``), cast to ``types[column]`` (``varchar`` when absent). A column a row's values
    leave out keeps its stored value, but for the columns of ``overwrite``, which take the value
    or NULL. ``extra`` is an ``SQL`` of further assignments (``write_date = …``).
    """
    columns = sorted({column for vals in values.values() for column in vals})
    assignments = [
        SQL("%s = v.%s", SQL.identifier(column), SQL.identifier(column))
        if column in overwrite
        else SQL("%s = COALESCE(v.%s, t.%s)", SQL.identifier(column), SQL.identifier(column), SQL.identifier(column))
        for column in columns
    ]
    if extra:
        assignments.append(extra)
    arrays = [
        SQL(
            "unnest(%s::%s[]) AS %s",
            [vals.get(column) for vals in values.values()],
            SQL(types.get(column, "varchar")),
            SQL.identifier(column),
        )
        for column in columns
    ]
    return SQL(
        "UPDATE %s t SET %s FROM (SELECT unnest(%s::int[]) AS id, %s) v WHERE t.id = v.id",
        SQL.identifier(table),
        SQL(", ").join(assignments),
        list(values),
        SQL(", ").join(arrays),
    )
