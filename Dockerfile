# Crosswalk: `crosswalk serve` (Slack app + scheduler) on port 3000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin crosswalk \
    && mkdir -p /data /app/config \
    && chown crosswalk:crosswalk /data

WORKDIR /app
# Only what the package needs, so that editing tests or docs does not rebuild this layer.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY integrations ./integrations
RUN pip install ".[postgres]"
COPY config/crosswalk.example.yaml ./config/

USER crosswalk
ENV PORT=3000 \
    CROSSWALK_CONFIG=/app/config/crosswalk.yaml \
    DATABASE_URL=sqlite:////data/crosswalk.db
VOLUME ["/data"]
EXPOSE 3000

# python:3.11-slim has no curl: ask /healthz with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT:-3000}/healthz', timeout=4)" || exit 1

CMD ["crosswalk", "serve"]
