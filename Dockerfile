# The webmail image. `docker compose up` runs it with the demo mailbox (docker-compose.yml).
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dovecot-imapd dovecot-lmtpd \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -e ".[hosted]"
COPY . .
ENV BIND=0.0.0.0 PORT=8000
EXPOSE 8000
CMD ["scripts/run"]
