"""Configuration from the environment and ``.env``, built once by ``load_settings``.

The OpenAI SDK's own variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``) keep their usual
meaning so one endpoint configuration works for the SDK, this bot and other tools.
Everything else is prefixed ``TUTORBOT_`` (except ``DISCORD_TOKEN``, the usual name).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from tutorbot.errors import ConfigError

BUNDLED_CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum" / "ai-foundations"


BUNDLED_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def bundled_prompts() -> Path:
    """The prompt templates shipped with the project (repo root ``prompts/``)."""
    return BUNDLED_PROMPTS


def bundled_curriculum() -> Path:
    """The course shipped with the project (source checkout or installed share dir)."""
    return BUNDLED_CURRICULUM


class Settings(BaseSettings):
    """Every setting the tutor reads; secrets are ``SecretStr`` so they never print."""

    model_config = SettingsConfigDict(
        env_prefix="TUTORBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    curriculum: Path = Field(
        default_factory=bundled_curriculum, description="Course folder to teach."
    )
    prompts: Path = Field(
        default_factory=bundled_prompts, description="Folder of the Jinja2 prompt templates."
    )
    data_dir: Path = Field(
        default=Path("data"), description="Where the database and search index live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in data_dir."
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "TUTORBOT_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "TUTORBOT_OPENAI_BASE_URL")
    )
    model: str = Field(default="gpt-4o-mini", description="Chat model name at the endpoint.")
    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "TUTORBOT_DISCORD_TOKEN")
    )
    chunk_tokens: int = Field(default=350, ge=32, le=4000, description="Token cap per chunk.")
    search_k: int = Field(default=5, ge=1, le=50, description="Passages retrieved per query.")
    tokenizer: str = Field(
        default="o200k_base", description="tiktoken encoding when the model is unknown to it."
    )
    context_window: int = Field(
        default=16_000, ge=1024, description="Tokens the model accepts (prompt + reply)."
    )
    max_reply_tokens: int = Field(default=800, ge=16, description="Room kept for the reply.")
    llm_timeout: float = Field(default=30.0, gt=0, description="Seconds per model request.")
    llm_retries: int = Field(default=3, ge=0, le=10, description="Retries on 429/5xx/timeouts.")
    price_input_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per 1M prompt tokens (default: known models)."
    )
    price_output_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per 1M reply tokens (default: known models)."
    )
    quota_max: int = Field(default=10, ge=1, description="LLM questions a learner can bank.")
    quota_refill_seconds: int = Field(default=180, ge=1, description="One question back every.")
    max_answer_chars: int = Field(default=2000, ge=100, description="Longest accepted answer.")
    certificate_secret: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="HMAC key that signs certificates (default: a key generated once in data_dir).",
    )
    xapi_base: str = Field(
        default="https://tutorbot.invalid/xapi",
        pattern=r"^https?://[^\s/]+(/\S*)?$",
        description="IRI prefix of exported xAPI activities, extensions and own verbs.",
    )
    lrs_endpoint: str | None = Field(
        default=None, description="xAPI LRS endpoint (statements go to <endpoint>/statements)."
    )
    lrs_username: str | None = Field(default=None, description="LRS basic-auth user (key).")
    lrs_password: SecretStr | None = Field(default=None, description="LRS basic-auth secret.")
    challenge_reminder_hours: float = Field(
        default=24.0, gt=0, description="Remind this long before a challenge closes (or at half)."
    )
    challenge_tick_seconds: float = Field(
        default=60.0, ge=1, description="How often deadlines and reminders are checked."
    )
    review_retention: float = Field(
        default=0.9, ge=0.7, le=0.97, description="Recall chance FSRS schedules reviews for."
    )
    review_fuzz: bool = Field(
        default=True, description="Spread review due dates a little (FSRS fuzz) to avoid pile-ups."
    )
    review_nudge_hour: int = Field(
        default=17, ge=0, le=23, description="UTC hour of the daily 'reviews due' nudge."
    )

    @property
    def llm_configured(self) -> bool:
        """True when an endpoint or key is set; otherwise the tutor runs offline."""
        return bool(self.openai_base_url or self.openai_api_key)

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file in the data folder."""
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'tutorbot.db'}"

    @property
    def index_dir(self) -> Path:
        """Folder for persisted search indexes, one per course content hash."""
        return self.data_dir / "index"


def load_settings(**overrides: object) -> Settings:
    """Read settings now (never at import time); keyword overrides win over the env."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise ConfigError("Invalid configuration: " + "; ".join(lines)) from None
