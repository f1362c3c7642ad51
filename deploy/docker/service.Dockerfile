# One image for every service of the suite; the service is chosen by the command (see docker-compose.yml).
# Build context: the repository root.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml ./
COPY scripts/ scripts/
COPY proto/ proto/
COPY libs/ libs/
COPY services/ services/
COPY cli/ cli/
RUN python scripts/gen_protos.py && python scripts/dev_paths.py \
    && useradd --system --uid 10001 --home /app tthc && mkdir -p /var/lib/tthc && chown tthc /var/lib/tthc
USER 10001
ENTRYPOINT ["tthc"]
