"""The weekly report and the retro from the scheduler: once, on working days, at their time,
never for a slot before the schedule was made, through the ledger like every scheduled message."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

from sqlalchemy import select

from bot.report_posts import report_day, slot_in_hours
from bot.scheduler import CoordScheduler
from handlers.calendar import WorkCalendar
from storage.models import Notification
from tests.launch.conftest import Team, at
from tests.scheduler.conftest import RecordingMessenger

FRI = date(2026, 11, 27)


def reports(messenger: RecordingMessenger) -> list[tuple[str, str, bool]]:
    return [
        (m.key or "", m.target.id, m.reply.chart is not None)
        for m in messenger.sent
        if (m.key or "").startswith("report:")
    ]


def test_the_report_goes_once_at_its_time_with_the_nearest_burnup(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    team.ok("alice", "report here weekly fri 16:00")
    team.ok("bob", "report dm weekly fri 16:00")
    scheduler.tick(at(FRI, 15, 59))
    assert reports(messenger) == []
    scheduler.tick(at(FRI, 16, 0))
    sent = reports(messenger)
    assert sorted((target, chart) for _key, target, chart in sent) == [
        ("C1", False), ("C1", True), ("bob", False), ("bob", True)
    ]  # fmt: skip
    text = next(m for m in messenger.sent if m.target.id == "C1" and m.reply.chart is None)
    assert (
        text.reply.headline == "Weekly report · Sat 11-21 – Fri 11-27"
        and "v1 · Tue 12-15" in text.reply.plain_text()
    )
    scheduler.tick(at(FRI, 16, 30))
    scheduler.tick(at(FRI + timedelta(days=1), 16, 0))  # Saturday: not its day
    assert len(reports(messenger)) == 4


def test_a_day_off_moves_the_report_to_the_working_day_before_it(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "settings workdays mon-thu")
    team.ok("alice", "report here weekly fri 16:00")
    scheduler.tick(at(FRI, 16, 0))
    assert reports(messenger) == []
    scheduler.tick(at(date(2026, 12, 3), 16, 0))  # Thursday
    assert [target for _k, target, _c in reports(messenger)] == ["C1"]  # no launch: no chart


def test_a_slot_before_the_schedule_was_made_is_never_sent(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.clock.set(at(FRI, 17, 0))
    team.ok("alice", "report here weekly fri 16:00")
    scheduler.tick(at(FRI, 17, 1))
    assert reports(messenger) == []
    scheduler.tick(at(FRI + timedelta(days=7), 16, 0))
    assert len(reports(messenger)) == 1


def test_report_day_rules() -> None:
    mon_thu = WorkCalendar(workdays=0b0001111)
    assert report_day(FRI, 4, WorkCalendar()) == FRI
    assert report_day(FRI, 4, mon_thu) == date(2026, 11, 26)
    assert report_day(FRI, 0, WorkCalendar(workdays=0b1111110)) is None  # Monday off: that week has none


def test_the_retro_goes_at_t_plus_7_to_the_launch_channel_and_the_pm_once(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    scheduler.tick(at(date(2026, 12, 21), 10, 0))
    assert not [m for m in messenger.sent if (m.key or "").startswith("retro:")]
    scheduler.tick(at(date(2026, 12, 22), 10, 0))
    retros = [m for m in messenger.sent if (m.key or "").startswith("retro:")]
    assert sorted(m.target.id for m in retros) == ["CL", "alice"]
    assert "Shipped on its planned date, Tue 12-15." in retros[0].reply.plain_text()
    scheduler.tick(at(date(2026, 12, 23), 10, 0))
    team.clock.set(at(date(2026, 12, 23), 11, 0))
    assert team.ok("alice", "retro v1 close").reply.headline.startswith("The retro of v1 was sent already")
    assert len([m for m in messenger.sent if (m.key or "").startswith("retro:")]) == 2


def test_a_report_goes_in_working_hours_and_a_missed_slot_is_caught_up_only_until_their_end(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "report here weekly fri 16:00")
    scheduler.tick(at(FRI, 18, 0))  # the scheduler was down from before 16:00 to the end of the day
    assert reports(messenger) == []
    next_fri = FRI + timedelta(days=7)
    scheduler.tick(at(next_fri, 17, 59))  # down at 16:00, back before the end: caught up
    assert [target for _k, target, _c in reports(messenger)] == ["C1"]


def test_a_report_time_outside_working_hours_is_refused_and_changed_hours_move_it_inside(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.refused("alice", "report here weekly fri 20:00", "20:00 is outside working hours here (09:00–18:00)")
    team.refused("alice", "report dm weekly fri 07:30", "07:30 is outside working hours")
    team.ok("alice", "settings language zh")
    team.refused("alice", "report here weekly fri 18:00", "18:00 不在工作时间（09:00–18:00）内")
    team.ok("alice", "settings language en")
    team.ok("alice", "report here weekly fri 16:00")
    team.ok("alice", "report dm weekly fri 09:30")
    team.ok("alice", "settings hours 10:00-15:00")  # after scheduling: 16:00 is now after hours
    scheduler.tick(at(FRI, 9, 30))
    scheduler.tick(at(FRI, 9, 59))
    assert reports(messenger) == []
    scheduler.tick(at(FRI, 10, 0))  # the DM's 09:30 goes at the start of the working day
    assert [target for _k, target, _c in reports(messenger)] == ["alice"]
    scheduler.run_through(at(FRI, 10, 0), at(FRI, 14, 30))  # the channel's 16:00: an hour before their end
    (channel,) = [m for m in messenger.sent if m.target.id == "C1"]
    with team.db.transaction() as session:
        row = session.scalars(select(Notification).where(Notification.key == channel.key)).one()
        assert row.created_at.replace(tzinfo=UTC) == at(FRI, 14, 0)


def test_a_department_channel_reports_on_its_own_public_holidays(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "dept set dev channel <#CD|dev>")
    team.ok("alice", "dept set dev holidays SG")
    team.ok("alice", "report here weekly fri 16:00", channel="CD")
    team.ok("alice", "report here weekly fri 16:00")
    christmas = date(2026, 12, 25)  # a Friday: a public holiday in SG, a working day for the workspace
    scheduler.tick(at(christmas - timedelta(days=1), 16, 0))
    assert [target for _k, target, _c in reports(messenger)] == ["CD"]
    scheduler.tick(at(christmas, 16, 0))
    assert [target for _k, target, _c in reports(messenger)] == ["CD", "C1"]


def test_slot_in_hours_rules() -> None:
    nine_six = (time(9, 0), time(18, 0))
    assert slot_in_hours(time(16, 0), nine_six) == time(16, 0)
    assert slot_in_hours(time(7, 0), nine_six) == time(9, 0)
    assert slot_in_hours(time(18, 0), nine_six) == time(17, 0)
    assert slot_in_hours(time(23, 0), (time(9, 0), time(9, 30))) == time(9, 0)  # a short day: its start


def test_the_retro_waits_for_working_hours_when_its_check_in_time_was_missed(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    scheduler.tick(at(date(2026, 12, 22), 19, 0))  # T+7, after working hours: not now
    assert not [m for m in messenger.sent if (m.key or "").startswith("retro:")]
    scheduler.tick(at(date(2026, 12, 23), 10, 0))  # the next working day's check-in time
    assert len([m for m in messenger.sent if (m.key or "").startswith("retro:")]) == 2


def test_a_dm_report_goes_at_its_readers_own_time_zone_and_working_hours(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("bob", "me timezone Asia/Shanghai")
    team.ok("bob", "me hours 10:00-19:00")
    team.refused("bob", "report dm weekly fri 09:30", "09:30 is outside working hours here (10:00–19:00)")
    shown = team.ok("bob", "report dm weekly fri 18:30").reply.plain_text()  # after the workspace's 18:00
    assert "every fri at 18:30 (Asia/Shanghai)" in shown
    scheduler.run_through(at(FRI, 9, 0), at(FRI, 11, 0))  # 18:30 in Shanghai is 10:30 UTC
    (report,) = [m for m in messenger.sent if m.target.id == "bob" and m.reply.chart is None]
    with team.db.transaction() as session:
        row = session.scalars(select(Notification).where(Notification.key == report.key)).one()
        assert row.created_at.replace(tzinfo=UTC) == at(FRI, 10, 30)


def test_a_dm_report_to_someone_in_another_office_follows_their_office_s_holidays(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "dept set dev lead <@bob|Bob>")
    team.ok("alice", "dept set dev holidays SG")
    team.ok("bob", "report dm weekly fri 16:00")
    team.ok("alice", "report dm weekly fri 16:00")
    christmas = date(2026, 12, 25)  # a public holiday in bob's office (SG), a working day for alice's
    scheduler.tick(at(christmas - timedelta(days=1), 16, 0))
    assert [target for _k, target, chart in reports(messenger) if not chart] == ["bob"]
    scheduler.tick(at(christmas, 16, 0))
    assert [target for _k, target, chart in reports(messenger) if not chart] == ["bob", "alice"]
