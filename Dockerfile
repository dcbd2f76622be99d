# celltx command line, for the one-shot service of docker-compose.yml.
FROM python:3.12-slim
WORKDIR /src
COPY pyproject.toml README.md ./
COPY celltx celltx
COPY graph graph
COPY ontology ontology
COPY loaders loaders
COPY queries queries
# /guide: a named volume takes this directory's owner when first mounted.
RUN pip install --no-cache-dir . && useradd --create-home celltx \
    && mkdir -p /work /guide && chown celltx /work /guide
USER celltx
WORKDIR /work
ENTRYPOINT []
CMD ["celltx", "--help"]
