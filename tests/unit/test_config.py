from pathlib import Path

import pytest

from migration_reviewer.config import MigrationDir, load_settings
from migration_reviewer.errors import ConfigError


def test_layers_flags_over_environment_over_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-reviewer]\nfail-on = "warning"\nstatement-timeout = "30s"\n'
        'database = "url"\ndatabase-url = "postgresql://file@localhost/postgres"\n'
        'migrations = ["golang-migrate:db/migrations", {path = "sql", dialect = "postgresql"}]\n'
    )
    env = {
        "MIGRATION_REVIEWER_FAIL_ON": "never",
        "MIGRATION_REVIEWER_DATABASE_URL": "postgresql://env@h/postgres",
    }
    settings = load_settings(str(tmp_path), {"database_url": "postgresql://flag@h/postgres"}, env)
    assert settings.fail_on == "never"
    assert settings.database_url == "postgresql://flag@h/postgres"
    assert settings.statement_timeout == 30.0
    assert settings.migrations == (
        MigrationDir("db/migrations", "golang-migrate"),
        MigrationDir("sql", None, "postgresql"),
    )
    assert settings.config_file == str(tmp_path / "pyproject.toml")


def test_dedicated_file_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.migration-reviewer]\nfail-on = "warning"\n')
    (tmp_path / ".migration-reviewer.toml").write_text('fail-on = "never"\n')
    assert load_settings(str(tmp_path), {}, {}).fail_on == "never"


def test_dedicated_file_may_hold_the_pyproject_table(tmp_path: Path) -> None:
    """The README's examples are written as [tool.migration-reviewer]; copied into the dedicated file they
    work as they are, and so do tables under it."""
    (tmp_path / ".migration-reviewer.toml").write_text(
        '[tool.migration-reviewer]\nfail-on = "warning"\n\n[tool.migration-reviewer.rules]\nLK013 = "off"\n'
    )
    settings = load_settings(str(tmp_path), {}, {})
    assert settings.fail_on == "warning"
    assert [(r.rule, r.enabled) for r in settings.rules] == [("LK013", False)]


def test_unknown_key_names_the_key(tmp_path: Path) -> None:
    (tmp_path / ".migration-reviewer.toml").write_text('fail_on = "error"\n')
    with pytest.raises(ConfigError, match="unknown setting 'fail_on'"):
        load_settings(str(tmp_path), {}, {})


def test_bad_values_are_rejected_with_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="fail-on must be one of error, warning, never"):
        load_settings(str(tmp_path), {"fail_on": "sometimes"}, {})
    with pytest.raises(ConfigError, match="duration"):
        load_settings(str(tmp_path), {}, {"MIGRATION_REVIEWER_STATEMENT_TIMEOUT": "soon"})
    (tmp_path / ".migration-reviewer.toml").write_text("fail-on = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(str(tmp_path), {}, {})


def test_database_url_alone_selects_the_url_provider(tmp_path: Path) -> None:
    settings = load_settings(str(tmp_path), {"database_url": "postgresql://h/postgres"}, {})
    assert settings.database == "url"
    with pytest.raises(ConfigError, match="needs --database-url"):
        load_settings(str(tmp_path), {"database": "url"}, {})


def test_platform_and_baseline_per_folder_and_for_the_single_one(tmp_path: Path) -> None:
    (tmp_path / ".migration-reviewer.toml").write_text(
        'platform = "supabase"\n'
        'migrations = [{ path = "db/migrations", platform = "supabase", baseline = "db/schema.sql", '
        "baseline-version = 20230101000000 }]\n"
    )
    settings = load_settings(str(tmp_path), {}, {"MIGRATION_REVIEWER_BASELINE_VERSION": "0042"})
    assert settings.platform == "supabase"
    assert settings.baseline_version == "0042"
    assert settings.migrations == (
        MigrationDir("db/migrations", platform="supabase", baseline="db/schema.sql",
                     baseline_version="20230101000000"),
    )
    config = 'migrations = [{ path = "db", platform = "heroku" }]\n'
    (tmp_path / ".migration-reviewer.toml").write_text(config)
    with pytest.raises(ConfigError, match="platform of 'db' must be one of supabase, none"):
        load_settings(str(tmp_path), {}, {})
