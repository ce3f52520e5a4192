"""Assembles the report from the change, the replays and the findings. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from migration_reviewer.adapters.base import Migration, MigrationStatus, ProblemKind
from migration_reviewer.analyzers.finding import Finding, Severity
from migration_reviewer.analyzers.knock_ons import RootCause, blocked_migrations, root_causes
from migration_reviewer.replay.result import MigrationRun, Outcome, SetReplay
from migration_reviewer.report.handoff import build_handoff
from migration_reviewer.report.model import (
    MigrationEntry,
    MigrationError,
    Report,
    SeededSummary,
    SetReport,
    Verdict,
)
from migration_reviewer.report.tables import table_views


def build_report(
    *, tool_version: str, base: str, head: str, replays: Sequence[SetReplay], findings: Iterable[Finding]
) -> Report:
    ordered = tuple(sorted(set(findings), key=lambda f: f.sort_key))
    blocked = [blocked_migrations(replay) for replay in replays]
    return Report(
        tool_version=tool_version,
        base=base,
        head=head,
        verdict=verdict_of(ordered, incomplete=any(blocked) or any(map(_not_run_for_a_reason, replays))),
        migration_sets=tuple(_set_report(replay, ids) for replay, ids in zip(replays, blocked, strict=True)),
        findings=ordered,
        handoff=build_handoff(replays, ordered),
    )


def _not_run_for_a_reason(replay: SetReplay) -> bool:
    """Whether a changed migration was not run for a reason of the review's own, not a failure before it
    (Alembic: a revision imports a package the review lacks)."""
    return any(run.outcome is Outcome.NOT_RUN and run.error is not None for run in replay.runs)


def verdict_of(findings: Iterable[Finding], *, incomplete: bool = False) -> Verdict:
    """FAIL where a finding is an error; else INCOMPLETE where a changed migration could not be reviewed
    (`blocked_migrations`); else WARN or PASS by the findings."""
    worst = max((f.severity.rank for f in findings), default=-1)
    if worst >= Severity.ERROR.rank:
        return Verdict.FAIL
    if incomplete:
        return Verdict.INCOMPLETE
    if worst >= Severity.WARNING.rank:
        return Verdict.WARN
    return Verdict.PASS


def _set_report(replay: SetReplay, blocked: Mapping[str, RootCause]) -> SetReport:
    mset = replay.migration_set
    runs = {run.migration.id: run for run in replay.runs}  # one lookup per migration, not a scan
    entries = [
        _blocked_entry(m, blocked[m.id])
        if m.id in blocked
        else _entry(m, runs.get(m.id), replayed=replay.error is None, reversible=reversible(replay, m))
        for m in mset.head_migrations
        if m.status is not MigrationStatus.BASE
    ]
    # Base migrations appear only when they failed to replay on their own: the rest is history the change
    # did not touch, and the failures that follow from one are listed with its RP002 finding.
    entries += [
        _entry(cause.run.migration, cause.run, replayed=True, reversible=None)
        for cause in root_causes(replay)
    ]
    entries += [
        MigrationEntry(
            id=problem.path,
            name=problem.path.rsplit("/", 1)[-1],
            path=problem.path,
            status="deleted",
            applied=False,
            outcome="not-replayed",
            error=None,
            duration_ms=None,
            reversible=None,
        )
        for problem in mset.problems
        if problem.kind is ProblemKind.DELETED_APPLIED
    ]
    return SetReport(
        path=mset.root,
        framework=mset.framework,
        dialect=mset.dialect.value,
        provider=replay.provider if replay.error is None else None,
        server_version=replay.server_version if replay.error is None else None,
        migrations=tuple(entries),
        schema_changes=tuple(replay.changes),
        notes=(*mset.notes, *replay.notes),
        replayed=replay.error is None,
        base_migration_count=len(mset.base_migrations),
        base_duration_ms=replay.base_duration_ms,
        base_cached=replay.base_cached,
        base_replayed=len(replay.base_runs),
        tables=table_views(replay.before, replay.after, replay.changes),
        baseline_path=replay.baseline.path if replay.baseline else None,
        baseline_versions=tuple(sorted(replay.baseline.versions)) if replay.baseline else (),
        seeded=_seeded_summary(replay),
    )


def _seeded_summary(replay: SetReplay) -> SeededSummary | None:
    if replay.seeded is None:
        return None
    rows = replay.seeded.rows
    return SeededSummary({t.table: t.rows for t in rows.tables}, dict(rows.skipped))


def reversible(replay: SetReplay, migration: Migration) -> bool | None:
    """True when the migration's down ran, restored the schema exactly and left the migration
    re-applicable; False when it has no down or any of that fails; None when it was not checked."""
    if migration.down is None:
        return False
    step = replay.rollback.step_for(migration) if replay.rollback else None
    if replay.rollback is None or step is None or step.down_run is None:
        return None
    if step.down_run.outcome is not Outcome.APPLIED or step.leftovers:
        return False
    again = replay.rollback.up_again_for(migration)
    if again is None:
        return None
    return again.outcome is Outcome.APPLIED


def _blocked_entry(migration: Migration, cause: RootCause) -> MigrationEntry:
    """A changed migration the base's failure kept from being reviewed: not run, with the reason."""
    root = cause.run
    assert root.error is not None  # a root cause is a failed run
    return MigrationEntry(
        id=migration.id,
        name=migration.name,
        path=migration.path,
        status=migration.status.value,
        applied=False,
        outcome=Outcome.NOT_RUN.value,
        error=MigrationError(
            f"not reviewed: the base history is incomplete here (base migration {root.migration.name} "
            f"fails: {root.error.message})",
            root.error.path,
            root.error.line,
        ),
        duration_ms=None,
        reversible=None,
    )


def _entry(
    migration: Migration, run: MigrationRun | None, *, replayed: bool, reversible: bool | None
) -> MigrationEntry:
    error = None
    if run is not None and run.error is not None:
        error = MigrationError(run.error.message, run.error.path, run.error.line)
    if run is None:
        outcome = (
            "not-replayed" if not replayed or migration.status is not MigrationStatus.ADDED else "not-run"
        )
    else:
        outcome = run.outcome.value
    return MigrationEntry(
        id=migration.id,
        name=migration.name,
        path=migration.path,
        status=migration.status.value,
        applied=run is not None and run.outcome is Outcome.APPLIED,
        outcome=outcome,
        error=error,
        duration_ms=run.duration_ms if run is not None else None,
        reversible=reversible,
        statements=tuple(run.statements) if run is not None else (),
    )
