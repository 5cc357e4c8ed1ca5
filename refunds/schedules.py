"""Periodic work of the refunds app, declared as data; acorn_portal.schedules installs it after each migrate."""

from django_q.models import Schedule

SCHEDULES = [
    {
        "name": "refunds: expire overdue cases, park and release blackout cases",
        "func": "refunds.tasks.sweep_deadlines",
        "schedule_type": Schedule.MINUTES,
        "minutes": 30,
    },
    {
        # Verdicts whose marketplace day crossed a blackout's end or a window's last day; each
        # marketplace's midnight falls at its own UTC hour, hence every 15 minutes, not daily.
        "name": "refunds: refresh verdicts whose marketplace day moved on",
        "func": "refunds.tasks.refresh_time_sensitive_verdicts",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
    {
        "name": "refunds: route unassigned cases by assignment rules",
        "func": "refunds.tasks.auto_assign_cases",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
    # Alerts: every 15 minutes so that a marketplace's new day (and a digest hour) is noticed soon
    # after it starts; Q_CLUSTER has catch_up=False, finite max_attempts and timeout < retry, and
    # the tasks claim each message by a unique key, so a late or doubled run repeats nothing.
    {
        "name": "refunds: deadline reminders, escalations and digests",
        "func": "refunds.tasks.send_deadline_alerts",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
    {
        "name": "refunds: deliver pending alerts and retries",
        "func": "refunds.tasks.deliver_alerts",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
]
