"""Who hears about a case: the organization's watch rules, matched and turned into recipients.

Every person returned is a member of the case's organization, whatever a rule names: a rule is
data an admin typed, and isolation must not depend on it being right.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from acorn_portal.models import Membership
from acorn_portal.roles import Role
from refunds.models.alerts import AlertChannel, WatchRule


@dataclass
class Audience:
    """People to email and chat channels to post to, for one case."""

    emails: dict = field(default_factory=dict)  # user id -> user
    channels: dict = field(default_factory=dict)  # channel id -> AlertChannel

    def __bool__(self):
        return bool(self.emails or self.channels)


class OrganizationRules:
    """One organization's enabled watch rules, members and managers, loaded once per run."""

    def __init__(self, organization_id: int):
        self.organization_id = organization_id
        self.rules = list(
            WatchRule.objects.filter(organization_id=organization_id, enabled=True).prefetch_related(
                "accounts", "users", "channels"
            )
        )
        self.rule_accounts = {rule.pk: {account.pk for account in rule.accounts.all()} for rule in self.rules}
        roles = defaultdict(set)
        for user_id, role in Membership.objects.filter(
            organization_id=organization_id, user__is_active=True
        ).values_list("user_id", "role"):
            roles[role].add(user_id)
        self.member_ids = set().union(*roles.values()) if roles else set()
        self.manager_ids = roles[Role.MANAGER]
        self.admin_ids = roles[Role.ADMIN]
        self._users = {}

    def users(self, ids) -> list:
        """Active members with an email address, among `ids` (cached across cases)."""
        wanted = set(ids) & self.member_ids
        missing = wanted - self._users.keys()
        if missing:
            for user in get_user_model().objects.filter(pk__in=missing, is_active=True):
                self._users[user.pk] = user
        return [self._users[pk] for pk in sorted(wanted) if pk in self._users and self._users[pk].email]

    def matching(self, case) -> list[WatchRule]:
        return [rule for rule in self.rules if rule.matches(case, account_ids=self.rule_accounts[rule.pk])]

    def audience(self, case) -> Audience:
        """Everyone the matching rules name for this case, by email and by channel."""
        audience = Audience()
        for rule in self.matching(case):
            if rule.by_email:
                ids = {user.pk for user in rule.users.all()}
                if rule.notify_assignee and case.assignee_id:
                    ids.add(case.assignee_id)
                if rule.notify_team and case.team_id:
                    ids |= {user.pk for user in case.team.members.all()}
                if rule.notify_managers:
                    ids |= self.manager_ids
                audience.emails.update({user.pk: user for user in self.users(ids)})
            for channel in rule.channels.all():
                if channel.enabled and channel.organization_id == self.organization_id:
                    audience.channels[channel.pk] = channel
        return audience

    def managers(self) -> list:
        return self.users(self.manager_ids)

    def data_people(self) -> list:
        """Admins and managers: who hears of stale accounts, failed syncs and rejected imports."""
        return self.users(self.manager_ids | self.admin_ids)

    def deadline_channels(self) -> list[AlertChannel]:
        return list(AlertChannel.objects.filter(organization_id=self.organization_id, enabled=True, for_deadlines=True))

    def data_channels(self) -> list[AlertChannel]:
        return list(
            AlertChannel.objects.filter(organization_id=self.organization_id, enabled=True, for_data_alerts=True)
        )
