# coach: the HTTP API and the agents' page. See deploy/README.md.
#
# Build:  docker build -t coach .
# Run:    docker run -p 8080:8080 -e COACH_API_KEYS=... coach
#
# The build stage installs coach into a virtual environment, exports the embedding model to ONNX and
# ingests the knowledge cards into the image's embedded index, so a container starts with no export, no
# download and no ingest. With a Chroma server (CHROMA_HOST), the compose stack's one-shot `init`
# service ingests into it instead.

ARG BASE=python:3.11-slim

FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COACH_CACHE_DIR=/opt/coach-cache \
    COACH_DATA_DIR=/app/.coach
# CPU torch, pinned as in pyproject.toml; this index has the CPU build (PyPI's default is the CUDA one).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install --index-url "${TORCH_INDEX}" "torch==2.13.0+cpu"
COPY pyproject.toml README.md ./
COPY coach ./coach
COPY knowledge ./knowledge
COPY prompts ./prompts
# Editable, so coach finds knowledge/ and prompts/ beside its package, as in a checkout. The ingest exports
# the embedding model; the rewrite exports the 8-bit copy the tone and emotion models read.
RUN pip install -e . \
    && coach ingest --json > /tmp/ingest.json \
    && coach rewrite "Hello Sam, your parcel has shipped." --json > /tmp/rewrite.json

FROM ${BASE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    COACH_CACHE_DIR=/opt/coach-cache \
    COACH_DATA_DIR=/app/.coach \
    COACH_HOST=0.0.0.0 \
    COACH_PORT=8080
RUN groupadd --gid 10001 coach \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin coach
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/coach-cache /opt/coach-cache
COPY --from=build --chown=10001:10001 /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]
# Listening beyond loopback needs API keys (COACH_API_KEYS): coach serve refuses otherwise.
CMD ["coach", "serve", "--workers", "2"]
