"""The configuration the rules get: per-rule choices checked against the registry, production sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_reviewer.analyzers.context import TableStats
from migration_reviewer.analyzers.finding import Severity
from migration_reviewer.analyzers.registry import rule_options
from migration_reviewer.config import Settings, load_settings
from migration_reviewer.errors import ConfigError


def _settings(tmp_path: Path, toml: str, environ: dict[str, str] | None = None) -> Settings:
    (tmp_path / ".migration-reviewer.toml").write_text(toml)
    return load_settings(str(tmp_path), {}, environ=environ or {})


def test_rules_by_code_or_name(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        '[rules]\nLK013 = "off"\ncreate-index-without-concurrently = "error"\n'
        "missing-lock-timeout = { max-lock-timeout = 5 }\n",
    )
    options = rule_options(settings)
    assert not options.rules["LK013"].enabled
    assert options.rules["LK001"].severity is Severity.ERROR
    assert options.rules["LK022"].options == {"max-lock-timeout": 5.0}


def test_unknown_option_and_bad_severity_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown option nope"):
        rule_options(_settings(tmp_path, "[rules]\nLK022 = { nope = 1 }\n"))
    with pytest.raises(ConfigError, match="severity must be"):
        rule_options(_settings(tmp_path, '[rules]\nLK022 = "loud"\n'))
    with pytest.raises(ConfigError, match="must be a float"):
        rule_options(_settings(tmp_path, '[rules]\nLK022 = { max-lock-timeout = "5s" }\n'))


def test_table_rows_and_pg_version(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        'pg-version = "13.4"\ntable-rows = { "public.orders" = 50_000_000, "billing.invoices" = 10 }\n',
    )
    options = rule_options(settings, {"orders": TableStats(1, 4096)})
    assert options.pg_version == 13
    assert options.production["orders"] == TableStats(50_000_000, 4096)  # config wins, size kept
    assert options.production["billing.invoices"].rows == 10


def test_environment(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        "",
        {
            "MIGRATION_REVIEWER_TABLE_ROWS": "orders=1000",
            "MIGRATION_REVIEWER_RULES": "LK001=off,LK005=warning",
        },
    )
    options = rule_options(settings)
    assert options.production["orders"].rows == 1000
    assert not options.rules["LK001"].enabled and options.rules["LK005"].severity is Severity.WARNING


def test_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="major version"):
        _settings(tmp_path, 'pg-version = "latest"\n')
    with pytest.raises(ConfigError, match="whole number"):
        _settings(tmp_path, 'table-rows = { orders = "many" }\n')
