"""The one place the tutor talks to a model: render, check budget, call, retry, record.

``LlmGateway`` wraps an ``openai.AsyncOpenAI`` client (built with ``max_retries=0``: retries
belong here, where they are logged, bounded and recorded). Every public call renders a
template from ``prompts/``, checks the prompt fits the context window, sends it with a
timeout, retries what may pass, and records exactly one ``UsageRecord``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from tutorbot.llm.budget import ContextFit, check_fits, count_messages, fit_context
from tutorbot.llm.errors import LlmOutputError, LlmUnavailableError
from tutorbot.llm.ledger import CallLedger
from tutorbot.llm.prompts import ChatMessage, PromptLibrary, RenderedPrompt
from tutorbot.llm.retry import RetryPolicy, with_retries
from tutorbot.llm.streaming import StreamState, stream_deltas
from tutorbot.llm.structured import REPAIR_REQUEST, describe_problems, parse_reply
from tutorbot.llm.structured import response_format as json_response_format
from tutorbot.llm.usage import Prices, UsageRecord, UsageSink, prices_for
from tutorbot.tokens import TokenCounter

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
P = TypeVar("P")
H = TypeVar("H")

# Reasoning models and newer chat models reject ``max_tokens``; older servers only know it.
_NEW_LIMIT_PARAM = ("o1", "o3", "o4", "gpt-5")


@dataclass(frozen=True, slots=True)
class Completion:
    """A finished reply and what it cost; ``template_hash`` names the exact prompt."""

    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    template: str
    template_hash: str

    @property
    def truncated(self) -> bool:
        """True when the reply stopped at the token limit rather than where the model chose."""
        return self.finish_reason == "length"


class CallRouter(Protocol):
    """Per-server rules the gateway applies to every call (the tutor's ``GuildRules``)."""

    async def model_for(self, guild_id: int | None) -> str:
        """The model for this server's calls; raises ``LlmBudgetSpentError`` when the
        server may not spend more today (then no request is made and nothing recorded)."""
        ...

    def spent(self, usage: UsageRecord) -> None:
        """Count a finished call against its server's spend."""
        ...


class _RoutedSink:
    """The usage sink, with the router told of each call's cost as it is recorded."""

    def __init__(self, sink: UsageSink, router: CallRouter) -> None:
        self._sink = sink
        self._router = router

    async def record(self, usage: UsageRecord) -> None:
        self._router.spent(usage)
        await self._sink.record(usage)


class LlmGateway:
    """Rendered prompts in, checked replies out; one instance per process.

    ``router`` (settable after start-up) picks each call's model by server and refuses calls
    of a server whose daily budget is spent; without one every call uses ``model``.
    """

    def __init__(
        self,
        client: openai.AsyncOpenAI | None,
        *,
        model: str,
        prompts: PromptLibrary,
        counter: TokenCounter,
        sink: UsageSink,
        timeout: float = 30.0,
        retries: int = 3,
        context_window: int = 16_000,
        reply_reserve: int = 800,
        prices: Prices | None = None,
        retry_base_delay: float = 0.5,
        retry_max_delay: float = 8.0,
        max_retry_after: float = 20.0,
        stream_usage: bool = True,
        router: CallRouter | None = None,
    ) -> None:
        self._client = client
        self.model = model
        self.prompts = prompts
        self._counter = counter
        self._timeout = timeout
        self._retry = RetryPolicy(retries, retry_base_delay, retry_max_delay, max_retry_after)
        self.context_window = context_window
        self.reply_reserve = reply_reserve
        self._stream_usage = stream_usage
        self._sink = sink
        self._prices = prices if prices is not None else prices_for(model)
        self.router = router

    def prompt_limit(self, max_tokens: int | None = None) -> int:
        """Tokens a prompt may use when ``max_tokens`` (default: the reserve) stay for the reply."""
        return self.context_window - (max_tokens or self.reply_reserve)

    def fit_context(
        self,
        template: str,
        *,
        passages: Sequence[P] = (),
        history: Sequence[H] = (),
        max_tokens: int | None = None,
        **context: object,
    ) -> ContextFit[P, H]:
        """The passages and turns to pass to a call of ``template`` so that it fits."""
        return fit_context(
            self.prompts,
            self._counter,
            template,
            self.prompt_limit(max_tokens),
            passages=passages,
            history=history,
            **context,
        )

    async def complete(
        self,
        template: str,
        *,
        learner_id: int | None = None,
        guild_id: int | None = None,
        max_tokens: int | None = None,
        **context: object,
    ) -> Completion:
        """The whole reply to ``template`` rendered with ``context``."""
        async with await self._ledger(
            template=template, learner_id=learner_id, guild_id=guild_id
        ) as ledger:
            prompt, reply_tokens = self._prepare(ledger, template, context, max_tokens)
            response = await self._create(self._params(ledger.model, prompt.messages, reply_tokens))
            text = self._reply_text(response, ledger, prompt.messages)
            choice = response.choices[0]
            return Completion(
                text=text,
                finish_reason=str(choice.finish_reason or "unknown"),
                prompt_tokens=ledger.prompt_tokens,
                completion_tokens=ledger.completion_tokens,
                template=template,
                template_hash=prompt.template_hash,
            )

    async def stream(
        self,
        template: str,
        *,
        learner_id: int | None = None,
        guild_id: int | None = None,
        max_tokens: int | None = None,
        **context: object,
    ) -> AsyncGenerator[str, None]:
        """Text deltas of the reply as they arrive.

        Raises ``LlmStreamInterruptedError`` after the last delta if the stream ended without
        a finish reason, so a cut-off answer is never passed off as complete.
        """
        async with await self._ledger(
            template=template, learner_id=learner_id, guild_id=guild_id
        ) as ledger:
            prompt, reply_tokens = self._prepare(ledger, template, context, max_tokens)
            state = StreamState(include_usage=self._stream_usage)
            try:
                deltas = stream_deltas(
                    self._require_client(),
                    self._params(ledger.model, prompt.messages, reply_tokens),
                    self._retry,
                    state,
                )
                async with aclosing(deltas):
                    async for delta in deltas:
                        yield delta
            finally:
                self._stream_usage = state.include_usage
                if state.answered:
                    ledger.add(prompt.messages, state.text, state.usage)

    async def structured(
        self,
        template: str,
        schema: type[M],
        *,
        learner_id: int | None = None,
        guild_id: int | None = None,
        max_tokens: int | None = None,
        **context: object,
    ) -> M:
        """The reply as a validated ``schema`` object.

        Invalid JSON or a schema mismatch gets one repair request (the problems sent back,
        corrected JSON asked for); if that fails too, ``LlmOutputError``.
        """
        async with await self._ledger(
            template=template, learner_id=learner_id, guild_id=guild_id
        ) as ledger:
            prompt, reply_tokens = self._prepare(ledger, template, context, max_tokens)
            fmt = json_response_format(schema)
            messages = list(prompt.messages)
            for attempt in ("first reply", "repair"):
                response = await self._create(
                    self._params(ledger.model, messages, reply_tokens, fmt)
                )
                text = self._reply_text(response, ledger, messages, refusal_is_error=True)
                try:
                    return parse_reply(schema, text)
                except ValidationError as exc:
                    problems = describe_problems(exc)
                log.info("structured %s for %s invalid: %s", attempt, template, problems)
                messages += [
                    {"role": "assistant", "content": text},
                    {"role": "user", "content": REPAIR_REQUEST.format(problems=problems)},
                ]
                if count_messages(self._counter, messages) > self.prompt_limit(reply_tokens):
                    break
            raise LlmOutputError(f"invalid {attempt}: {problems}")

    async def aclose(self) -> None:
        """Close the HTTP client (at shutdown)."""
        if self._client is not None:
            await self._client.close()

    async def _ledger(
        self, *, template: str, learner_id: int | None, guild_id: int | None
    ) -> CallLedger:
        """The call's ledger, for the model the server's rules choose (or the default)."""
        if self.router is None:
            model, sink = self.model, self._sink
        else:
            model = await self.router.model_for(guild_id)
            sink = _RoutedSink(self._sink, self.router)
        return CallLedger(
            sink=sink,
            counter=self._counter,
            # Configured prices are for the configured model; another one costs list price.
            prices=self._prices if model == self.model else prices_for(model),
            model=model,
            template=template,
            learner_id=learner_id,
            guild_id=guild_id,
        )

    def _prepare(
        self,
        ledger: CallLedger,
        template: str,
        context: dict[str, object],
        max_tokens: int | None,
    ) -> tuple[RenderedPrompt, int]:
        """Render and check the budget; callers fitted passages already, so this only verifies."""
        ledger.template_hash = self.prompts.template_hash(template)
        prompt = self.prompts.render(template, **context)
        reply_tokens = max_tokens or self.reply_reserve
        needed = count_messages(self._counter, prompt.messages)
        check_fits(needed, self.prompt_limit(reply_tokens), f"prompt '{template}'")
        return prompt, reply_tokens

    def _params(
        self,
        model: str,
        messages: Sequence[ChatMessage],
        max_tokens: int,
        fmt: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        limit_key = "max_completion_tokens" if model.startswith(_NEW_LIMIT_PARAM) else "max_tokens"
        params: dict[str, Any] = {
            "model": model,
            "messages": list(messages),
            limit_key: max_tokens,
            "timeout": self._timeout,
        }
        if fmt is not None:
            params["response_format"] = fmt
        return params

    def _require_client(self) -> openai.AsyncOpenAI:
        if self._client is None:
            raise LlmUnavailableError("no model endpoint is configured")
        return self._client

    async def _create(self, params: dict[str, Any]) -> ChatCompletion:
        client = self._require_client()

        async def once() -> ChatCompletion:
            # The SDK's timeout bounds each phase; this one bounds the whole request.
            async with asyncio.timeout(self._timeout):
                return cast(ChatCompletion, await client.chat.completions.create(**params))

        return await with_retries(self._retry, once)

    def _reply_text(
        self,
        response: ChatCompletion,
        ledger: CallLedger,
        messages: Sequence[ChatMessage],
        *,
        refusal_is_error: bool = False,
    ) -> str:
        """Record the exchange's tokens and return the reply's text."""
        if not response.choices:
            ledger.add(messages, "", response.usage)
            raise LlmOutputError("the reply had no choices")
        message = response.choices[0].message
        text = message.content or ""
        ledger.add(messages, text, response.usage)
        refusal = getattr(message, "refusal", None)
        if refusal_is_error and refusal:
            raise LlmOutputError(f"the model refused: {refusal}")
        return text
