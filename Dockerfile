# ACORN's production image: the web server (gunicorn) and the task cluster run from the same image.
# compose.yaml shows the whole installation (web, worker, PostgreSQL, Redis); README "Production".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ACORN_ENV_FILE= \
    ACORN_STATIC_ROOT=/app/var/static \
    MEDIA_ROOT=/data/media

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Static files are collected into the image (hashed names, compressed); the secrets here exist only
# for this build step and are thrown away with it.
RUN SECRET_KEY=build-only \
    ACORN_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput -v0 \
 && useradd --system --uid 10001 --home-dir /app acorn \
 && mkdir -p /data/media \
 && chown -R acorn /data

USER acorn
EXPOSE 8000
# The web role: deploy step (migrate, collectstatic), then gunicorn. The worker role overrides the
# command with `python manage.py qcluster`.
CMD ["python", "manage.py", "run_portal", "--production", "--web-only", "--host", "0.0.0.0", "--port", "8000"]
