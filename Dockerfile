# The example service (examples/service.py): /health, /ready and /metrics for a MaintainX
# integration. Build: docker build -t maintainx-service:0.1.0 .   (docs/deploy.md)

# -- build: the SDK's wheel and the service's dependencies in a virtual environment --------
FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE hatch_build.py ./
COPY src ./src
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install build \
 && /opt/venv/bin/python -m build --wheel --outdir /dist . \
 && /opt/venv/bin/pip uninstall -y build \
 && /opt/venv/bin/pip install /dist/*.whl \
      starlette uvicorn opentelemetry-sdk opentelemetry-exporter-prometheus prometheus-client

# -- run: only the virtual environment and the service, as a user without privileges -------
FROM python:3.12-slim AS run
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY examples/service.py /app/service.py
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# The key comes at run time (MAINTAINX_API_KEY_FILE pointing at a mounted secret), never here.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
CMD ["python", "service.py", "--host", "0.0.0.0", "--port", "8000"]
