# The newsfeed worker image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY processors ./processors
COPY streams ./streams
RUN pip install --no-cache-dir .
ENTRYPOINT ["newsfeed"]
CMD ["worker"]
