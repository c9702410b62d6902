"""The cost report: model usage per learner per UTC day, from rows the real gateway wrote."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from tests.fakes.openai_server import DEFAULT_TEXT, FakeOpenAI
from tests.tutor.conftest import ADA, FakeClock, MakeTutor
from tutorbot.errors import TutorError
from tutorbot.tutor import LearnerRef, ask
from tutorbot.tutor.admin import SettingsChange, update_server_settings
from tutorbot.tutor.costs import CSV_COLUMNS, cost_csv, cost_report

GUILD = ADA.guild_id or 0
GRACE = LearnerRef(1002, "Grace", guild_id=GUILD)
ALAN_ELSEWHERE = LearnerRef(1003, "Alan", guild_id=7)
QUESTION = "what is overfitting"


def fake_usage(request: dict[str, Any]) -> tuple[int, int]:
    """The tokens FakeOpenAI reports for a request: words in, words of its default reply out."""
    prompt = sum(len(str(m.get("content", "")).split()) for m in request["messages"])
    return prompt, len(DEFAULT_TEXT.split())


def gpt_4o_mini_cost(prompt: int, completion: int) -> float:
    return (prompt * 0.15 + completion * 0.60) / 1_000_000


async def test_each_learner_gets_a_row_per_day_with_the_endpoints_tokens_and_cost(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(fake_openai, clock=clock)
    await ask(QUESTION, learner=ADA, deps=tutor)
    await ask("what is a neural network", learner=ADA, deps=tutor)
    await ask(QUESTION, learner=GRACE, deps=tutor)
    day_one = clock.now.date()
    clock.advance(days=1)
    await ask(QUESTION, learner=ADA, deps=tutor)
    report = await cost_report(tutor, days=7, guild_id=GUILD)
    usage = [fake_usage(r) for r in fake_openai.requests]
    rows = {(r.day, r.learner_name): r for r in report.rows}
    ada_day_one = rows[(day_one, "Ada")]
    assert report.rows[0].day == clock.now.date()  # newest day first
    assert len(report.rows) == 3
    assert ada_day_one.calls == 2
    assert ada_day_one.discord_id == ADA.discord_id
    assert ada_day_one.prompt_tokens == usage[0][0] + usage[1][0]
    assert ada_day_one.completion_tokens == usage[0][1] + usage[1][1]
    assert ada_day_one.cost_usd == pytest.approx(
        gpt_4o_mini_cost(*usage[0]) + gpt_4o_mini_cost(*usage[1])
    )
    assert report.calls == 4
    assert report.cost_usd == pytest.approx(sum(gpt_4o_mini_cost(*u) for u in usage))


async def test_the_report_keeps_to_its_server_and_its_days(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(fake_openai, clock=clock)
    await ask(QUESTION, learner=ADA, deps=tutor)  # 7 days ago once the clock moves
    clock.advance(days=7)
    await ask(QUESTION, learner=GRACE, deps=tutor)
    await ask(QUESTION, learner=ALAN_ELSEWHERE, deps=tutor)
    week = await cost_report(tutor, days=7, guild_id=GUILD)
    eight_days = await cost_report(tutor, days=8, guild_id=GUILD)
    everywhere = await cost_report(tutor, days=8)
    assert [r.learner_name for r in week.rows] == ["Grace"]
    assert sorted(r.learner_name for r in eight_days.rows) == ["Ada", "Grace"]
    assert {r.guild_id for r in everywhere.rows} == {GUILD, 7}


async def test_failed_calls_are_counted_as_failed(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    fake_openai.reply("down", status=503)
    fake_openai.reply("still down", status=503)
    answer = await ask(QUESTION, learner=ADA, deps=tutor)
    report = await cost_report(tutor, days=1, guild_id=GUILD)
    assert answer.mode == "offline"
    assert (report.rows[0].calls, report.rows[0].failed_calls) == (1, 1)


async def test_the_report_shows_todays_spend_against_the_budget(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(fake_openai, clock=clock)
    await update_server_settings(tutor, GUILD, SettingsChange(daily_budget_usd=1.0))
    await ask(QUESTION, learner=ADA, deps=tutor)  # yesterday once the clock moves
    clock.advance(days=1)
    await ask(QUESTION, learner=ADA, deps=tutor)
    await ask(QUESTION, learner=ALAN_ELSEWHERE, deps=tutor)  # another server's spend
    report = await cost_report(tutor, days=7, guild_id=GUILD)
    today = fake_openai.requests[1]
    assert report.budget is not None
    assert report.budget.budget_usd == 1.0
    assert report.budget.spent_usd == pytest.approx(gpt_4o_mini_cost(*fake_usage(today)))
    assert not report.budget.exhausted


async def test_the_csv_has_a_header_ids_as_text_and_no_formulas(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    sneaky = LearnerRef(1004, '=HYPERLINK("x")', guild_id=GUILD)
    await ask(QUESTION, learner=sneaky, deps=tutor)
    report = await cost_report(tutor, days=1, guild_id=GUILD)
    rows = list(csv.reader(io.StringIO(cost_csv(report).decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1][1:4] == [str(GUILD), "1004", '\'=HYPERLINK("x")']
    assert float(rows[1][8]) == pytest.approx(report.cost_usd, abs=1e-6)


async def test_an_empty_period_is_an_empty_report(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    report = await cost_report(tutor, days=30, guild_id=GUILD)
    assert (report.rows, report.calls, report.cost_usd) == ([], 0, 0)
    assert report.first == report.last - timedelta(days=29)


@pytest.mark.parametrize("days", [0, 367])
async def test_a_period_out_of_range_is_refused(make_tutor: MakeTutor, days: int) -> None:
    tutor = await make_tutor()
    with pytest.raises(TutorError, match="between 1 and 366"):
        await cost_report(tutor, days=days)
