# One image for web, worker, beat and the migrate one-shot; docker-compose.yml picks the command.
#   docker build -t ecaf:latest .

# --- Front-end: GOV.UK Frontend from npm and the compiled stylesheet --------------------------
FROM node:20-bookworm-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static/src ./static/src
RUN npx --no-install sass --pkg-importer=node --no-source-map --style=compressed --quiet-deps \
        static/src/app.scss static/build/app.css

# --- Runtime ---------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
# WEB_CONCURRENCY is gunicorn's worker count (gunicorn reads it itself): override per deployment.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=cafsite.settings.base \
    WEB_CONCURRENCY=3

# Pango and fonts for WeasyPrint's PDFs; a non-root user to run everything.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 ecaf \
    && useradd --system --uid 10001 --gid ecaf --create-home --home-dir /home/ecaf \
        --shell /usr/sbin/nologin ecaf

# The pinned dependencies only ([tool.setuptools] packages = []), in their own layer so code
# changes do not reinstall them. Built outside /app so no build/ or egg-info is left there.
COPY pyproject.toml /tmp/deps/pyproject.toml
RUN pip install /tmp/deps && rm -rf /tmp/deps

WORKDIR /app
# Code and static files stay root-owned (read-only to the service); only var/ is writable.
COPY . .
COPY --from=frontend /build/node_modules/govuk-frontend/dist/govuk ./node_modules/govuk-frontend/dist/govuk
COPY --from=frontend /build/static/build ./static/build

# Collect static files (STATIC_ROOT is var/staticfiles) for WhiteNoise. DEBUG=false selects the
# hashed, compressed manifest storage that production uses; the key exists for this command only.
RUN SECRET_KEY=build-only-not-a-secret DEBUG=false python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown ecaf:ecaf var var/media \
    && chmod 700 var/media

# Numeric, so Kubernetes runAsNonRoot can verify it (10001 is the ecaf user above).
USER 10001:10001
EXPOSE 8000
# No HEALTHCHECK here: web, worker and beat share the image, so each compose service has its own.
# Behind a TLS proxy, requests count as https if either SECURE_PROXY_SSL_HEADER_ENABLED=true
# (Django trusts X-Forwarded-Proto from anyone: the proxy must overwrite it) or gunicorn's own
# FORWARDED_ALLOW_IPS (default 127.0.0.1,::1) lists the proxy's address.
CMD ["gunicorn", "cafsite.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
