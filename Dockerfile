# tutorbot image: the Discord bot on the bundled course. Secrets (DISCORD_TOKEN,
# OPENAI_API_KEY, ...) come from the environment at run time, never from the image.
#   docker build -t tutorbot .
#   docker run --env-file .env -v tutorbot-data:/data tutorbot

# --- build: a self-contained virtualenv, plus tiktoken's encoding files -----------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    TIKTOKEN_CACHE_DIR=/opt/tiktoken

RUN python -m venv /opt/venv

WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY src/ src/
# Non-editable: the venv must not point back at /src, which the runtime stage does not have.
RUN pip install -c constraints.txt .

# tiktoken downloads its BPE files on first use; fetch them now so the bot counts tokens
# exactly without network access, and fail the build if tutorbot cannot see them.
RUN python -c "import tiktoken; tiktoken.get_encoding('o200k_base'); tiktoken.get_encoding('cl100k_base')" \
 && python -c "from tutorbot.tokens import encoding_is_cached as c; assert c('o200k_base') and c('cl100k_base')"

# --- runtime ------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

# The course and prompt templates are found relative to the source tree, which an
# installed package does not have: point the settings at the copies under /app.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TIKTOKEN_CACHE_DIR=/opt/tiktoken \
    TUTORBOT_DATA_DIR=/data \
    TUTORBOT_CURRICULUM=/app/curriculum/ai-foundations \
    TUTORBOT_PROMPTS=/app/prompts

# /data is created and chowned before VOLUME so a new named volume starts owned by the bot.
RUN groupadd --system --gid 10001 tutorbot \
 && useradd --system --uid 10001 --gid tutorbot --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tutorbot \
 && mkdir -p /data \
 && chown tutorbot:tutorbot /data

COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/tiktoken /opt/tiktoken

# Code and content stay root-owned: the bot reads them and writes only to /data.
WORKDIR /app
COPY curriculum/ /app/curriculum/
COPY prompts/ /app/prompts/

USER tutorbot
VOLUME ["/data"]

# Python ignores SIGTERM as PID 1 (no handler installed), so `docker stop` would wait
# for SIGKILL; SIGINT raises KeyboardInterrupt and lets asyncio close the database.
STOPSIGNAL SIGINT

# No HEALTHCHECK: the bot serves no port, and a process check adds nothing to restart.
CMD ["tutorbot", "run"]
