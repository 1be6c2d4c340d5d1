# Mentor Hub: a slim image running the bot as an unprivileged user.
#   docker build -t mentor-hub .
#   docker run -d --name mentor-hub -e BOT_TOKEN=123:abc -v mentorhub-data:/data mentor-hub
# Configuration: mount a file at /app/config.toml (or point BOT_CONFIG elsewhere), or set
# MENTORHUB_<SECTION>_<KEY> variables; BOT_TOKEN overrides the token.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PTB_TIMEDELTA=true \
    BOT_CONFIG=/app/config.toml \
    MENTORHUB_DATABASE_PATH=/data/mentorhub.sqlite3

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY bot/__init__.py bot/__init__.py
RUN pip install --no-cache-dir .

COPY bot bot
COPY locales locales
COPY config.example.toml config.example.toml
# Editable install so the package finds ../locales beside it; compile the catalogs at build time.
RUN pip install --no-cache-dir --no-deps -e . \
    && pybabel compile --domain=messages --directory=locales --statistics \
    && cp config.example.toml config.toml \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin mentorhub \
    && mkdir -p /data && chown mentorhub /data

USER mentorhub
VOLUME ["/data"]
# Webhook mode listens here (set MENTORHUB_WEBHOOK_LISTEN=0.0.0.0); polling needs no port.
EXPOSE 8443

CMD ["python", "-m", "bot", "run"]
