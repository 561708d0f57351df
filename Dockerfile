# The webmail image: Daphne workers (scripts/serve), migrations at start; the same image runs
# the development mail server of docker-compose.yml (docker/mailserver.py, Dovecot inside, with
# Pigeonhole: Sieve on delivery and ManageSieve for Settings › Filters).
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      dovecot-imapd dovecot-lmtpd dovecot-sieve dovecot-managesieved curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements/runtime.txt requirements/
# The hashed runtime lock (runtime + hosted; scripts/lock makes it), then the project itself.
RUN python -m venv .venv \
 && .venv/bin/pip install --no-cache-dir --require-hashes -r requirements/runtime.txt \
 && .venv/bin/pip install --no-cache-dir --no-deps -e .
COPY . .
# Static files collected at build time (WhiteNoise serves them from STATIC_ROOT).
ENV STATIC_ROOT=/app/staticfiles
RUN SECRET_KEY=build-only .venv/bin/python manage.py collectstatic --noinput -v 0
ENV BIND=0.0.0.0 PORT=8000 WEBMAIL_WORKERS=2 WEBMAIL_TRUSTED_PROXIES=
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s \
  CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
# Migrate, then serve. On the very first start two replicas may race on a migration: the loser
# exits and is restarted (restart: unless-stopped in docker-compose.yml), then finds it done.
CMD ["sh", "-c", ".venv/bin/python manage.py migrate --noinput && exec scripts/serve"]
