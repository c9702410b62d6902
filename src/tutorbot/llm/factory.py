"""Building the gateway from settings, once at start-up: the endpoint, client and prices."""

from __future__ import annotations

import openai

from tutorbot.llm.gateway import LlmGateway
from tutorbot.llm.prompts import PromptLibrary
from tutorbot.llm.usage import UsageSink, prices_for
from tutorbot.settings import Settings
from tutorbot.tokens import TokenCounter


def build_gateway(
    settings: Settings, prompts: PromptLibrary, counter: TokenCounter, sink: UsageSink
) -> LlmGateway | None:
    """The gateway for the configured endpoint, or None when the tutor runs offline."""
    if not settings.llm_configured:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = openai.AsyncOpenAI(
        # Local servers (Ollama, vLLM, llama.cpp) need no key but the SDK insists on one.
        api_key=key or "not-needed",
        base_url=settings.openai_base_url,
        max_retries=0,
        timeout=settings.llm_timeout,
        # The SDK's aiohttp transport: with hundreds of streams open at once, the default
        # pool probes every idle connection on each request; aiohttp does not, and the
        # first text of 200 concurrent answers shows ~2x sooner (bench/interactions.py).
        http_client=openai.DefaultAioHttpClient(timeout=settings.llm_timeout),
    )
    return LlmGateway(
        client,
        model=settings.model,
        prompts=prompts,
        counter=counter,
        sink=sink,
        timeout=settings.llm_timeout,
        retries=settings.llm_retries,
        context_window=settings.context_window,
        reply_reserve=settings.max_reply_tokens,
        prices=prices_for(
            settings.model, settings.price_input_per_mtok, settings.price_output_per_mtok
        ),
    )
