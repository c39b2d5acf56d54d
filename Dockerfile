# The image every Airflow service in docker-compose.yaml runs: the official
# Airflow image plus exactly the packages uv.lock pins, and the newsflow package.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

USER airflow
WORKDIR /opt/newsflow
COPY --chown=airflow:root pyproject.toml uv.lock README.md ./
COPY --chown=airflow:root include ./include
# The lock, not _PIP_ADDITIONAL_REQUIREMENTS: same versions as dev and CI, installed at build time.
RUN pip install --no-cache-dir "uv==0.13.9" \
 && uv export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/requirements.lock.txt \
 && pip install --no-cache-dir -r /tmp/requirements.lock.txt \
 && pip install --no-cache-dir --no-deps -e /opt/newsflow \
 && rm /tmp/requirements.lock.txt
WORKDIR /opt/airflow
