# staytier: the API (`serve`), the outbox `worker` and the `scheduler` from one image.
# Build from a checkout: docker build -t staytier .   (see docs/operations.md#containers)

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY fixtures ./fixtures
COPY graphql/operations ./graphql/operations
# A wheel of this checkout; the fixtures (demo program, rates, catalog) and the persisted
# operations travel inside it.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STAYTIER_ENVIRONMENT=production \
    STAYTIER_HOST=0.0.0.0 \
    STAYTIER_PORT=8000
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin staytier
USER staytier
WORKDIR /home/staytier
EXPOSE 8000
# Ready: the database answers and holds every migration (see /health/ready).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ.get('STAYTIER_PORT', '8000'), timeout=4).status != 200)"]
ENTRYPOINT ["staytier"]
CMD ["serve"]
