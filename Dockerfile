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
# Dependencies first, in their own layer: an edit of the code does not reinstall them.
# They are read from pyproject.toml (runtime + the postgres extra) and pinned by
# constraints.txt, the versions CI tested.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres']))" > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
# Then the code itself, without touching the dependencies installed above.
COPY README.md ./
COPY bot ./bot
COPY integrations ./integrations
RUN pip install --no-deps .
COPY config/crosswalk.example.yaml config/slack-app-manifest.yaml ./config/

USER crosswalk
ENV PORT=3000 \
    CROSSWALK_CONFIG=/app/config/crosswalk.yaml \
    DATABASE_URL=sqlite:////data/crosswalk.db
VOLUME ["/data"]
EXPOSE 3000

# python:3.11-slim has no curl: ask /healthz with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT:-3000}/healthz', timeout=4)" || exit 1

# SIGTERM stops serve within 10 s (docker stop's default grace).
STOPSIGNAL SIGTERM
CMD ["crosswalk", "serve"]
