from __future__ import annotations

from collections.abc import Iterator

from migration_reviewer.analyzers.context import AnalysisContext
from migration_reviewer.analyzers.finding import Category, Issue, Severity
from migration_reviewer.analyzers.registry import rule


@rule("DR012", "alembic-models-drift", Category.DRIFT, Severity.WARNING, ["postgresql"])
def alembic_models_drift(ctx: AnalysisContext) -> Iterator[Issue]:
    """The SQLAlchemy models and the Alembic migrations disagree after the change.

    ## What it does
    Where the configuration names the project's metadata (`alembic-metadata = "app.models:Base.metadata"`),
    imports it in the replay's runner and compares it with the replayed head schema using Alembic's own
    autogenerate comparison: tables and columns one side has and the other lacks, and nullability.
    Differences the base branch already had (its models against its schema) are left out.

    ## Why is this risky?
    The application queries what the models say; production has what the migrations built. A column added
    to a model without a migration fails every query that selects it; a migration without the model
    change leaves the next `alembic revision --autogenerate` undoing it.

    ## Example
    `nickname: Mapped[str | None]` added to `class User`, and no new revision.

    ## Use instead
    Run `alembic revision --autogenerate -m "add nickname"`, review it, and commit it with the model.
    """
    drift = ctx.replay.model_drift if ctx.replay is not None else None
    if drift is None:
        return
    if drift.error is not None:
        yield Issue(message=f"the models `{drift.source}` could not be loaded for the comparison: "
                    f"{drift.error}", severity=Severity.INFO,
                    fix="make the module importable (its dependencies under `install` in the configuration), "
                    "or remove `alembic-metadata`")
        return
    known = {(d.kind, d.table, d.column) for d in drift.known}
    where = f"`{drift.path or drift.source}`"
    adds = bool(ctx.migration_set.new_migrations)
    for item in drift.drifts:
        if (item.kind, item.table, item.column) in known:
            continue
        message = item.describe(where)
        if not adds:
            message += " (the change adds no revision)"
        yield Issue(message=message, path=drift.path, line=item.line, table=item.table,
                    fix="run `alembic revision --autogenerate`, review the revision and commit it with the "
                    "models", confirmed_by_replay=True)
