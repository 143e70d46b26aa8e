# One image for web, worker and beat (docker-compose.yml chooses the command).

# Front-end: GOV.UK Frontend from npm and the compiled stylesheet.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static ./static
RUN npx --no-install sass --pkg-importer=node --no-source-map --style=compressed --quiet-deps \
        static/src/app.scss static/build/app.css

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=cafsite.settings.base
# Pango and fonts for WeasyPrint's PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 ecaf
WORKDIR /app
COPY pyproject.toml ./
RUN pip install .
COPY --chown=ecaf:ecaf . .
COPY --from=frontend --chown=ecaf:ecaf /app/node_modules/govuk-frontend/dist/govuk ./node_modules/govuk-frontend/dist/govuk
COPY --from=frontend --chown=ecaf:ecaf /app/static/build ./static/build
# Static files are collected at build time; the secret here is only for this one command.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p var && chown -R ecaf:ecaf var
USER ecaf
EXPOSE 8000
CMD ["gunicorn", "cafsite.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
