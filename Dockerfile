# syntax=docker/dockerfile:1
# Vigil's image: one image for every role (API, workers, scanner, CronJobs).
# Build: scripts/build-image.sh (podman or buildah; see it for offline builds).
# Run read-only:  podman run --read-only --tmpfs /tmp -v vigil-data:/var/lib/vigil -p 8000:8000 IMAGE
ARG BASE_IMAGE=docker.io/library/python:3.11-slim-bookworm

# ---- build stage: a virtualenv with the pinned dependencies and Vigil itself
FROM ${BASE_IMAGE} AS build
# PIP_CERT: a CA bundle for networks that intercept TLS (build-image.sh passes the host's).
ARG PIP_CERT
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DEBIAN_FRONTEND=noninteractive
# A debootstrap-made Debian base has no Python yet: take Debian's (bookworm: 3.11).
RUN if ! command -v python3 >/dev/null 2>&1; then \
      apt-get update && apt-get install -y --no-install-recommends python3 python3-venv \
      && rm -rf /var/lib/apt/lists/*; fi
RUN python3 -m venv /opt/vigil
WORKDIR /src
COPY requirements.lock ./
RUN /opt/vigil/bin/pip install --require-virtualenv -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/vigil/bin/pip install --require-virtualenv --no-deps . \
    && /opt/vigil/bin/python -m compileall -q /opt/vigil

# ---- runtime stage: the virtualenv, pg_dump for `vigil db backup`, a non-root user
FROM ${BASE_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && if ! command -v python3 >/dev/null 2>&1; then \
         apt-get install -y --no-install-recommends python3; fi \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 vigil \
    && useradd --system --uid 10001 --gid vigil --home-dir /var/lib/vigil --no-create-home vigil \
    && mkdir -p /var/lib/vigil /etc/vigil \
    && chown vigil:vigil /var/lib/vigil
COPY --from=build /opt/vigil /opt/vigil
ENV PATH=/opt/vigil/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIGIL_DATA_DIR=/var/lib/vigil \
    VIGIL_HOST=0.0.0.0 \
    VIGIL_PORT=8000
# Nothing is written outside the data volume and /tmp: the root filesystem can be read-only.
VOLUME ["/var/lib/vigil"]
USER 10001:10001
WORKDIR /var/lib/vigil
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python3", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["vigil"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
