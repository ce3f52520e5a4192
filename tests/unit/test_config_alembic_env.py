from pathlib import Path

import pytest

from migration_reviewer.config import load_settings
from migration_reviewer.errors import ConfigError


def test_alembic_env_from_the_file_and_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".migration-reviewer.toml").write_text(
        'alembic-env = { POSTGRES_SERVER = "localhost", APP_ENV = "test" }\n'
    )
    settings = load_settings(str(tmp_path), {}, {})
    assert settings.alembic_env == (("POSTGRES_SERVER", "localhost"), ("APP_ENV", "test"))
    # The environment form replaces the file's table, as every other setting does.
    env = {"MIGRATION_REVIEWER_ALEMBIC_ENV": "APP_ENV=ci,SECRET_KEY=not-a-secret=really"}
    settings = load_settings(str(tmp_path), {}, env)
    assert settings.alembic_env == (("APP_ENV", "ci"), ("SECRET_KEY", "not-a-secret=really"))


def test_alembic_env_values_are_taken_as_written(tmp_path: Path) -> None:
    (tmp_path / ".migration-reviewer.toml").write_text('alembic-env = { TOKEN = "${GITHUB_TOKEN}" }\n')
    settings = load_settings(str(tmp_path), {}, {"GITHUB_TOKEN": "ghp_secret"})
    assert settings.alembic_env == (("TOKEN", "${GITHUB_TOKEN}"),)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('alembic-env = "APP_ENV=test"', "must be a table of strings"),
        ("alembic-env = { PORT = 5432 }", 'the value of PORT must be a string, e.g. PORT = "5432"'),
        ('alembic-env = { "APP ENV" = "x" }', "'APP ENV' is not an environment variable name"),
    ],
)
def test_alembic_env_mistakes_are_named(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / ".migration-reviewer.toml").write_text(table + "\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(str(tmp_path), {}, {})
