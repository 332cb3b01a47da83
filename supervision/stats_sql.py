# ruff: noqa: S608 — every statement is built from the constants below, never from input.
"""The triggers that keep ``SlipMonthStat`` and ``ProblemMonthStat`` (models_stats.py), for
PostgreSQL and SQLite, and the statements that rebuild both tables from the slips and problems.

The counting rules repeat ``issues.measures.measure_filters`` in SQL (those that do not depend
on today); ``supervision/tests/test_stats.py`` checks, for every state a slip can be in, that
both give the same figures, so the two cannot drift apart silently.

Months are local (Asia/Shanghai, UTC+8 all year: no daylight saving), like the dashboard's
periods: PostgreSQL converts with the zone's name, SQLite (which stores UTC text) adds 8 hours.
"""

from django.conf import settings

SLIP_TABLE = "supervision_slipmonthstat"
PROBLEM_TABLE = "supervision_problemmonthstat"
SLIP_KEY = ["month", "closed_month", "lead_unit_id", "batch_id", "tier"]
SLIP_COUNTS = [
    "issued",
    "closed",
    "closed_on_time",
    "replied",
    "fed_back",
    "rated",
    "unrated",
    "satisfied",
    "open",
    "slips",
]
PROBLEM_KEY = ["month", "town_id", "category"]
PROBLEM_COUNTS = ["raised", "met"]
SQLITE_OFFSET = "+8 hours"  # Asia/Shanghai


def _live(r):
    return f"{r}.status NOT IN ('withdrawn', 'returned')"


def slip_counts(r: str) -> list[str]:
    """The 0/1 contribution of slip row ``r`` (NEW, OLD or a table alias) to each count."""
    live = _live(r)
    rules = {
        "issued": live,
        "closed": f"{r}.status = 'closed'",
        "closed_on_time": f"{r}.status = 'closed' AND {r}.closed_on_time",
        "replied": f"{live} AND {r}.replied_at IS NOT NULL",
        "fed_back": f"{live} AND {r}.fed_back_at IS NOT NULL",
        "rated": f"{live} AND {r}.rating IN ('satisfied', 'basic', 'dissatisfied')",
        "unrated": f"{live} AND {r}.rating = 'unrated'",
        "satisfied": f"{live} AND {r}.rating IN ('satisfied', 'basic')",
        "open": f"{r}.status NOT IN ('withdrawn', 'closed', 'returned')",
    }
    return [f"CASE WHEN {rules[name]} THEN 1 ELSE 0 END" for name in SLIP_COUNTS[:-1]] + ["1"]


def _month(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"(date_trunc('month', {column} AT TIME ZONE '{settings.TIME_ZONE}'))::date"
    return f"date({column}, '{SQLITE_OFFSET}', 'start of month')"


def _not_closed(vendor: str) -> str:
    return "DATE '1900-01-01'" if vendor == "postgresql" else "'1900-01-01'"


def slip_key(vendor: str, r: str) -> list[str]:
    return [
        _month(vendor, f"{r}.issued_at"),
        f"COALESCE({_month(vendor, f'{r}.closed_at')}, {_not_closed(vendor)})",
        f"{r}.lead_unit_id",
        f"{r}.batch_id",
        f"{r}.tier",
    ]


def problem_key(vendor: str, r: str) -> list[str]:
    town = f"COALESCE((SELECT e.town_id FROM enterprises_enterprise e WHERE e.id = {r}.enterprise_id), 0)"
    return [_month(vendor, f"{r}.raised_at"), town, f"{r}.category"]


def problem_counts(r: str) -> list[str]:
    return ["1", f"CASE WHEN {r}.met_face_to_face OR {r}.met_by_unit THEN 1 ELSE 0 END"]


def _upsert(vendor, table, key_cols, count_cols, key_exprs, count_exprs, sign) -> str:
    values = [*key_exprs, *(f"{sign} * ({e})" for e in count_exprs)]
    target = f"{table}." if vendor == "postgresql" else ""
    updates = ", ".join(f"{c} = {target}{c} + excluded.{c}" for c in count_cols)
    return (
        f"INSERT INTO {table} ({', '.join([*key_cols, *count_cols])}) "
        f"VALUES ({', '.join(values)}) "
        f"ON CONFLICT ({', '.join(key_cols)}) DO UPDATE SET {updates}"
    )


def slip_upsert(vendor: str, r: str, sign: int) -> str:
    return _upsert(
        vendor, SLIP_TABLE, SLIP_KEY, SLIP_COUNTS, slip_key(vendor, r), slip_counts(r), sign
    )


def problem_upsert(vendor: str, r: str, sign: int) -> str:
    return _upsert(
        vendor,
        PROBLEM_TABLE,
        PROBLEM_KEY,
        PROBLEM_COUNTS,
        problem_key(vendor, r),
        problem_counts(r),
        sign,
    )


def met_by_unit(vendor: str, r: str) -> str:
    """Set the problem of slip row ``r`` met by a unit exactly when one of its slips records a
    face-to-face contact (a re-assigned slip's contact is reset: it no longer counts)."""
    met = (
        "EXISTS (SELECT 1 FROM issues_slip s WHERE s.problem_id = issues_problem.id "
        "AND s.contact_met)"
    )
    differs = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return (
        f"UPDATE issues_problem SET met_by_unit = {met} "
        f"WHERE id = {r}.problem_id AND met_by_unit {differs} {met}"
    )


def _moved_firm(vendor: str, town: str, sign: int) -> str:
    """A firm moved town: its problems' counts leave the old town's rows (sign -1) and join the
    new town's (sign +1)."""
    target = f"{PROBLEM_TABLE}." if vendor == "postgresql" else ""
    return (
        f"INSERT INTO {PROBLEM_TABLE} (month, town_id, category, raised, met) "
        f"SELECT {_month(vendor, 'p.raised_at')}, COALESCE({town}, 0), p.category, "
        f"{sign} * COUNT(*), "
        f"{sign} * SUM(CASE WHEN p.met_face_to_face OR p.met_by_unit THEN 1 ELSE 0 END) "
        f"FROM issues_problem p WHERE p.enterprise_id = NEW.id "
        f"GROUP BY {_month(vendor, 'p.raised_at')}, p.category "
        f"ON CONFLICT (month, town_id, category) DO UPDATE SET "
        f"raised = {target}raised + excluded.raised, met = {target}met + excluded.met"
    )


def install_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        watched = (
            "{r}.status, {r}.issued_at, {r}.closed_at, {r}.lead_unit_id, {r}.batch_id, "
            "{r}.tier, {r}.closed_on_time, {r}.replied_at IS NULL, {r}.fed_back_at IS NULL, "
            "{r}.rating, {r}.contact_met, {r}.problem_id"
        )
        old_fields, new_fields = watched.format(r="OLD"), watched.format(r="NEW")
        return [
            f"""
CREATE OR REPLACE FUNCTION supervision_slip_stat() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND ({old_fields}) IS NOT DISTINCT FROM ({new_fields}) THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {slip_upsert(vendor, "OLD", -1)};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {slip_upsert(vendor, "NEW", 1)};
    {met_by_unit(vendor, "NEW")};
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.problem_id <> NEW.problem_id) THEN
    {met_by_unit(vendor, "OLD")};
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql""",
            "DROP TRIGGER IF EXISTS supervision_slip_stat ON issues_slip",
            "CREATE TRIGGER supervision_slip_stat AFTER INSERT OR UPDATE OR DELETE ON issues_slip "
            "FOR EACH ROW EXECUTE FUNCTION supervision_slip_stat()",
            f"""
CREATE OR REPLACE FUNCTION supervision_problem_stat() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.raised_at, OLD.enterprise_id, OLD.category,
     OLD.met_face_to_face, OLD.met_by_unit) IS NOT DISTINCT FROM (NEW.raised_at,
     NEW.enterprise_id, NEW.category, NEW.met_face_to_face, NEW.met_by_unit) THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {problem_upsert(vendor, "OLD", -1)};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {problem_upsert(vendor, "NEW", 1)};
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql""",
            "DROP TRIGGER IF EXISTS supervision_problem_stat ON issues_problem",
            "CREATE TRIGGER supervision_problem_stat AFTER INSERT OR UPDATE OR DELETE "
            "ON issues_problem FOR EACH ROW EXECUTE FUNCTION supervision_problem_stat()",
            f"""
CREATE OR REPLACE FUNCTION supervision_firm_moved() RETURNS trigger AS $$
BEGIN
  {_moved_firm(vendor, "OLD.town_id", -1)};
  {_moved_firm(vendor, "NEW.town_id", 1)};
  RETURN NULL;
END
$$ LANGUAGE plpgsql""",
            "DROP TRIGGER IF EXISTS supervision_firm_moved ON enterprises_enterprise",
            "CREATE TRIGGER supervision_firm_moved AFTER UPDATE OF town_id "
            "ON enterprises_enterprise FOR EACH ROW "
            "WHEN (OLD.town_id IS DISTINCT FROM NEW.town_id) "
            "EXECUTE FUNCTION supervision_firm_moved()",
        ]
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS),
        f"CREATE TRIGGER supervision_slip_stat_ins AFTER INSERT ON issues_slip BEGIN "
        f"{slip_upsert(vendor, 'NEW', 1)}; {met_by_unit(vendor, 'NEW')}; END",
        f"CREATE TRIGGER supervision_slip_stat_del AFTER DELETE ON issues_slip BEGIN "
        f"{slip_upsert(vendor, 'OLD', -1)}; {met_by_unit(vendor, 'OLD')}; END",
        f"CREATE TRIGGER supervision_slip_stat_upd AFTER UPDATE ON issues_slip BEGIN "
        f"{slip_upsert(vendor, 'OLD', -1)}; {slip_upsert(vendor, 'NEW', 1)}; "
        f"{met_by_unit(vendor, 'NEW')}; {met_by_unit(vendor, 'OLD')}; END",
        f"CREATE TRIGGER supervision_problem_stat_ins AFTER INSERT ON issues_problem BEGIN "
        f"{problem_upsert(vendor, 'NEW', 1)}; END",
        f"CREATE TRIGGER supervision_problem_stat_del AFTER DELETE ON issues_problem BEGIN "
        f"{problem_upsert(vendor, 'OLD', -1)}; END",
        f"CREATE TRIGGER supervision_problem_stat_upd AFTER UPDATE ON issues_problem BEGIN "
        f"{problem_upsert(vendor, 'OLD', -1)}; {problem_upsert(vendor, 'NEW', 1)}; END",
        f"CREATE TRIGGER supervision_firm_moved AFTER UPDATE OF town_id ON enterprises_enterprise "
        f"WHEN OLD.town_id IS NOT NEW.town_id BEGIN "
        f"{_moved_firm(vendor, 'OLD.town_id', -1)}; {_moved_firm(vendor, 'NEW.town_id', 1)}; END",
    ]


_SQLITE_TRIGGERS = [
    "supervision_slip_stat_ins",
    "supervision_slip_stat_del",
    "supervision_slip_stat_upd",
    "supervision_problem_stat_ins",
    "supervision_problem_stat_del",
    "supervision_problem_stat_upd",
    "supervision_firm_moved",
]


def uninstall_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS supervision_slip_stat ON issues_slip",
            "DROP TRIGGER IF EXISTS supervision_problem_stat ON issues_problem",
            "DROP TRIGGER IF EXISTS supervision_firm_moved ON enterprises_enterprise",
            "DROP FUNCTION IF EXISTS supervision_slip_stat()",
            "DROP FUNCTION IF EXISTS supervision_problem_stat()",
            "DROP FUNCTION IF EXISTS supervision_firm_moved()",
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS]


def rebuild_statements(vendor: str) -> list[str]:
    """Recount both tables from the slips and problems (after a restore, or to verify)."""
    slip_key_exprs = slip_key(vendor, "s")
    slip_sums = [f"SUM({e})" for e in slip_counts("s")]
    problem_key_exprs = [_month(vendor, "p.raised_at"), "COALESCE(e.town_id, 0)", "p.category"]
    return [
        "UPDATE issues_problem SET met_by_unit = EXISTS (SELECT 1 FROM issues_slip s "
        "WHERE s.problem_id = issues_problem.id AND s.contact_met)",
        f"DELETE FROM {SLIP_TABLE}",
        f"DELETE FROM {PROBLEM_TABLE}",
        f"INSERT INTO {SLIP_TABLE} ({', '.join([*SLIP_KEY, *SLIP_COUNTS])}) "
        f"SELECT {', '.join([*slip_key_exprs, *slip_sums])} FROM issues_slip s "
        f"GROUP BY {', '.join(slip_key_exprs)}",
        f"INSERT INTO {PROBLEM_TABLE} ({', '.join([*PROBLEM_KEY, *PROBLEM_COUNTS])}) "
        f"SELECT {', '.join(problem_key_exprs)}, COUNT(*), "
        "SUM(CASE WHEN p.met_face_to_face OR p.met_by_unit THEN 1 ELSE 0 END) "
        "FROM issues_problem p LEFT JOIN enterprises_enterprise e ON e.id = p.enterprise_id "
        f"GROUP BY {', '.join(problem_key_exprs)}",
    ]


def stats_rebuild(connection) -> None:
    with connection.cursor() as cursor:
        for statement in rebuild_statements(connection.vendor):
            cursor.execute(statement)


def triggers_install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in install_statements(connection.vendor):
            cursor.execute(statement)


def triggers_uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for statement in uninstall_statements(connection.vendor):
            cursor.execute(statement)


def stats_settle_after_flush(using: str = "default", **kwargs) -> None:
    """Counts of nothing are nothing: clear a table whose source rows are all gone.

    `manage.py flush` (and every transactional test's teardown) deletes the tables in no
    fixed order with the row triggers firing, so a problem deleted after its firm, or after
    the count table was emptied, leaves a stray negative count behind. Django sends
    post_migrate after a flush; this handler, connected to it, restores the invariant.
    On a real migrate the source tables hold rows and nothing is touched.
    """
    from django.db import connections

    connection = connections[using]
    present = set(connection.introspection.table_names())
    if not {SLIP_TABLE, PROBLEM_TABLE} <= present:
        return  # a partial migrate that stopped before the count tables
    with connection.cursor() as cursor:
        for source, table in (("issues_slip", SLIP_TABLE), ("issues_problem", PROBLEM_TABLE)):
            cursor.execute(f"SELECT 1 FROM {source} LIMIT 1")
            if cursor.fetchone() is None:
                cursor.execute(f"DELETE FROM {table}")
