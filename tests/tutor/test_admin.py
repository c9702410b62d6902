"""Server settings (quota, daily budget, model, roles) and reloading the course in place."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import TINY_FILES, WriteFiles
from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import ADA, FakeClock, MakeTutor
from tutorbot.errors import CurriculumError
from tutorbot.storage.models import GeneratedQuestion, LlmUsage
from tutorbot.tutor import LearnerRef, TutorDeps, ask, hint, start_quiz
from tutorbot.tutor.admin import (
    SettingsChange,
    SettingsError,
    reload_curriculum,
    server_settings,
    update_server_settings,
)
from tutorbot.tutor.quota import QuotaExceededError

GUILD = ADA.guild_id or 0
GRACE = LearnerRef(1002, "Grace", guild_id=GUILD)
ALAN_ELSEWHERE = LearnerRef(1003, "Alan", guild_id=7)
QUESTION = "what is overfitting"
BUDGET_NOTE = "daily AI budget is used up"


async def set_budget(tutor: TutorDeps, usd: float, guild_id: int = GUILD) -> None:
    await update_server_settings(tutor, guild_id, SettingsChange(daily_budget_usd=usd))


async def usage_rows(tutor: TutorDeps) -> list[LlmUsage]:
    async with tutor.db.session() as session:
        return list(await session.scalars(select(LlmUsage).order_by(LlmUsage.id)))


# -- daily budget ---------------------------------------------------------------------------


async def test_a_spent_budget_answers_offline_until_the_next_utc_day(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(fake_openai, clock=clock)
    await set_budget(tutor, 1e-9)  # the first call spends it
    first = await ask(QUESTION, learner=ADA, deps=tutor)
    spent = await ask(QUESTION, learner=ADA, deps=tutor)
    clock.now = clock.now.replace(hour=0, minute=0, second=1) + timedelta(days=1)
    next_day = await ask(QUESTION, learner=ADA, deps=tutor)
    assert first.mode == "llm"
    assert spent.mode == "offline"
    assert BUDGET_NOTE in (spent.note or "")
    assert "00:00 UTC" in (spent.note or "")
    assert next_day.mode == "llm"
    assert len(fake_openai.requests) == 2


async def test_an_answer_given_offline_for_budget_spends_no_question(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai, quota_max=1)
    await set_budget(tutor, 0.0)  # a zero budget turns the model off for the server
    offline = await ask(QUESTION, learner=ADA, deps=tutor)
    await update_server_settings(tutor, GUILD, SettingsChange(reset=frozenset({"daily_budget"})))
    online = await ask(QUESTION, learner=ADA, deps=tutor)
    assert (offline.mode, online.mode) == ("offline", "llm")


async def test_one_servers_spent_budget_leaves_other_servers_online(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    await set_budget(tutor, 0.0)
    here = await ask(QUESTION, learner=ADA, deps=tutor)
    elsewhere = await ask(QUESTION, learner=ALAN_ELSEWHERE, deps=tutor)
    assert (here.mode, elsewhere.mode) == ("offline", "llm")


async def test_a_spent_budget_also_stops_model_hints(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    view = await start_quiz("training", learner=ADA, deps=tutor)
    await set_budget(tutor, 0.0)
    given = await hint(view.session_id, learner=ADA, deps=tutor)
    assert given.mode == "offline"
    assert fake_openai.requests == []
    assert await usage_rows(tutor) == []  # a refused call is not a call


async def test_spend_by_another_process_counts_once_the_total_is_read_again(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    clock = FakeClock()
    one = await make_tutor(fake_openai, clock=clock)
    other = await make_tutor(fake_openai, clock=clock)
    await set_budget(one, 1e-9)
    assert not (await other.rules.budget(GUILD)).exhausted  # read now: nothing spent yet
    await ask(QUESTION, learner=ADA, deps=one)
    clock.advance(seconds=61)
    assert (await other.rules.budget(GUILD)).exhausted


async def test_the_budget_state_counts_todays_recorded_cost(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    await set_budget(tutor, 5.0)
    await ask(QUESTION, learner=ADA, deps=tutor)
    await ask(QUESTION, learner=GRACE, deps=tutor)
    state = await tutor.rules.budget(GUILD)
    recorded = sum(r.cost_usd for r in await usage_rows(tutor))
    assert recorded > 0
    assert state.spent_usd == pytest.approx(recorded)
    assert state.remaining_usd == pytest.approx(5.0 - recorded)


# -- quota and model per server -------------------------------------------------------------


async def test_a_servers_quota_replaces_the_default(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai, quota_max=10)
    await update_server_settings(tutor, GUILD, SettingsChange(quota_max=1))
    await ask(QUESTION, learner=ADA, deps=tutor)
    with pytest.raises(QuotaExceededError):
        await ask(QUESTION, learner=ADA, deps=tutor)
    for _ in range(2):  # another server keeps the default of 10
        await ask(QUESTION, learner=ALAN_ELSEWHERE, deps=tutor)


async def test_a_servers_refill_time_replaces_the_default(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(fake_openai, clock=clock, quota_refill_seconds=3600)
    change = SettingsChange(quota_max=1, quota_refill_seconds=60)
    await update_server_settings(tutor, GUILD, change)
    await ask(QUESTION, learner=ADA, deps=tutor)
    clock.advance(seconds=61)
    assert (await ask(QUESTION, learner=ADA, deps=tutor)).mode == "llm"


async def test_a_servers_model_is_the_one_its_calls_use_and_are_priced_at(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    await update_server_settings(tutor, GUILD, SettingsChange(model="gpt-4.1-mini"))
    await ask(QUESTION, learner=ADA, deps=tutor)
    await ask(QUESTION, learner=ALAN_ELSEWHERE, deps=tutor)
    here, elsewhere = await usage_rows(tutor)
    assert [r["model"] for r in fake_openai.requests] == ["gpt-4.1-mini", "gpt-4o-mini"]
    assert (here.model, elsewhere.model) == ("gpt-4.1-mini", "gpt-4o-mini")
    expected = (here.prompt_tokens * 0.40 + here.completion_tokens * 1.60) / 1_000_000
    assert here.cost_usd == pytest.approx(expected)


async def test_a_model_without_a_known_price_is_saved_with_a_warning(
    make_tutor: MakeTutor,
) -> None:
    tutor = await make_tutor()
    overview = await update_server_settings(tutor, GUILD, SettingsChange(model="llama3.1:8b"))
    assert overview.config.model == "llama3.1:8b"
    assert any("no known price" in note for note in overview.notes)


# -- settings validation --------------------------------------------------------------------


async def test_a_change_with_problems_lists_each_and_saves_nothing(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    bad = SettingsChange(model="  ", quota_max=0, daily_budget_usd=-1.0, quota_refill_seconds=0)
    with pytest.raises(SettingsError) as caught:
        await update_server_settings(tutor, GUILD, bad)
    overview = await server_settings(tutor, GUILD)
    assert len(caught.value.problems) == 4
    assert caught.value.user_message.startswith("Nothing was changed")
    assert overview.own == frozenset()


async def test_setting_and_resetting_the_same_thing_is_refused(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    both = SettingsChange(daily_budget_usd=2.0, reset=frozenset({"daily_budget"}))
    with pytest.raises(SettingsError, match="not both"):
        await update_server_settings(tutor, GUILD, both)


async def test_everyone_cannot_be_made_a_staff_role(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    with pytest.raises(SettingsError, match="@everyone"):
        await update_server_settings(
            tutor, GUILD, SettingsChange(add_admin_roles=frozenset({GUILD}))
        )


async def test_roles_are_added_and_removed_and_a_reset_restores_defaults(
    make_tutor: MakeTutor,
) -> None:
    tutor = await make_tutor(quota_max=10)
    await update_server_settings(
        tutor,
        GUILD,
        SettingsChange(add_moderator_roles=frozenset({11, 12}), add_admin_roles=frozenset({21})),
    )
    changed = await update_server_settings(
        tutor, GUILD, SettingsChange(remove_moderator_roles=frozenset({11}), quota_max=3)
    )
    reset = await update_server_settings(
        tutor, GUILD, SettingsChange(reset=frozenset({"quota", "admin_roles"}))
    )
    assert changed.config.moderator_role_ids == frozenset({12})
    assert changed.config.quota_max == 3
    assert "moderator roles: 1 removed" in changed.changes
    assert reset.config.quota_max == 10
    assert reset.config.admin_role_ids == frozenset()
    assert reset.own == frozenset({"moderator_roles"})


# -- reloading the course -------------------------------------------------------------------


async def test_reloading_a_broken_course_keeps_the_old_one_and_lists_its_problems(
    make_tutor: MakeTutor, write_files: WriteFiles
) -> None:
    folder = write_files({**TINY_FILES, "quizzes/basics.yaml": "unit: basics\nquestions: [oops"})
    tutor = await make_tutor(curriculum=folder)
    before = (tutor.course, tutor.retriever)
    with pytest.raises(CurriculumError) as caught:
        await reload_curriculum(tutor)
    assert (tutor.course, tutor.retriever) == before
    assert "not reloaded" in caught.value.user_message
    assert "AI Foundations" in caught.value.user_message  # what stays in use
    assert "basics.yaml" in caught.value.user_message
    assert caught.value.problems


async def test_reloading_a_good_course_swaps_the_course_and_its_search(
    make_tutor: MakeTutor, write_files: WriteFiles
) -> None:
    folder = write_files(TINY_FILES)
    tutor = await make_tutor(curriculum=folder)
    result = await reload_curriculum(tutor)
    hits = tutor.retriever.search("momentum running average of past gradients", 3).hits
    assert (result.course_id, result.units, result.changed) == ("tiny", 2, True)
    assert tutor.course.id == "tiny"
    assert [h.unit for h in hits][:1] == ["advanced"]


async def test_reloading_after_an_edit_serves_the_new_text(
    make_tutor: MakeTutor, write_files: WriteFiles, tmp_path: Path
) -> None:
    folder = write_files(TINY_FILES)
    tutor = await make_tutor(curriculum=folder)
    await reload_curriculum(tutor)
    unchanged = await reload_curriculum(tutor)
    advanced = folder / "units" / "advanced.md"
    advanced.write_text(
        advanced.read_text() + "\n## Adam\n\nAdam keeps per-weight step sizes from moments.\n"
    )
    edited = await reload_curriculum(tutor)
    hits = tutor.retriever.search("adam per-weight step sizes", 1).hits
    assert not unchanged.changed
    assert edited.changed
    assert hits[0].id == "advanced#adam"


async def test_approved_generated_questions_stay_in_the_reloaded_course(
    make_tutor: MakeTutor, write_files: WriteFiles
) -> None:
    tutor = await make_tutor(curriculum=write_files(TINY_FILES))
    entry = {
        "id": "gen-1",
        "type": "true_false",
        "bloom": "remember",
        "section": "basics#gradient-descent",
        "prompt": "Gradient descent steps downhill on the loss.",
        "answer": True,
        "explanation": "It follows the negative gradient.",
    }
    await tutor.writer.run(
        lambda db: db.add(
            GeneratedQuestion(
                course_id="tiny",
                unit_id="basics",
                question=entry,
                source_section="basics#gradient-descent",
                status="approved",
            )
        )
    )
    await reload_curriculum(tutor)
    basics = tutor.course.unit("basics")
    assert basics is not None
    assert [q.id for q in basics.questions] == ["basics-01", "basics-02", "gen-1"]
